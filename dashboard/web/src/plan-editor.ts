/// <reference lib="dom" />
// The plan editor: one row per prescribed exercise (from the server's catalogue: sets, reps, target ROM, hold,
// tempo, notes), the sessions per week and the precautions (a preset and editable limits). Every field of a stored
// plan is shown, and saving sends what is shown, so a plan written through the API loses nothing when saved here.
// Saving stores a new plan version; the server's validation message is shown next to the form.
import { api, ApiError } from './api.js';
import { h } from './dom.js';
import { precautionsEditor } from './precautions-editor.js';
import type { AngleLimits, Precautions } from './precautions-editor.js';

export interface CatalogueExercise {
  id: string;
  name: string;
  kind: 'reps' | 'hold';
  targetRomDeg: number;
  romRangeDeg: { min: number; max: number };
  holdSeconds: number | null;
}
export interface Catalogue {
  exercises: CatalogueExercise[];
  precautionPresets: Record<string, AngleLimits>;
}
export interface PlanItem {
  exercise: string;
  sets: number;
  reps: number;
  targetRomDeg: number | null;
  holdSeconds: number | null;
  /** seconds per repetition */
  tempoSeconds: number | null;
  notes: string;
}
export interface PlanVersion {
  version: number;
  sessionsPerWeek: number;
  precautions: Precautions;
  notes: string;
  items: PlanItem[];
}

interface ItemRow {
  element: HTMLTableRowElement;
  read(): PlanItem;
}

const numberInput = (label: string, value: number | null, attrs: Record<string, string>) =>
  h('input', { type: 'number', 'aria-label': label, value: value === null ? '' : String(value), ...attrs });

/** An empty field means "not prescribed" (null); the server decides whether the number is acceptable. */
const optionalNumber = (input: HTMLInputElement) => (input.value.trim() === '' ? null : Number(input.value));

function itemRow(catalogue: Catalogue, item: PlanItem, onRemove: (row: ItemRow) => void): ItemRow {
  const def = catalogue.exercises.find((e) => e.id === item.exercise);
  const label = def?.name ?? item.exercise;
  const sets = numberInput(`${label} sets`, item.sets, { min: '1', max: '20', step: '1', required: '' });
  const reps = numberInput(`${label} reps`, item.reps, { min: '1', max: '100', step: '1', required: '' });
  const rom = numberInput(`${label} target ROM`, item.targetRomDeg, { min: '0', max: '180', step: '0.5' });
  const hold = numberInput(`${label} hold time`, item.holdSeconds, { min: '0', max: '600', step: '0.5' });
  const tempo = numberInput(`${label} tempo`, item.tempoSeconds, { min: '0', max: '60', step: '0.5' });
  const notes = h('input', { 'aria-label': `${label} notes`, value: item.notes, maxlength: '500', class: 'notes' });
  const remove = h('button', { type: 'button', 'aria-label': `Remove ${label}` }, 'remove');
  const element = h(
    'tr',
    { 'data-exercise': item.exercise },
    h('td', {}, label),
    h('td', {}, sets),
    h('td', {}, reps),
    h('td', {}, rom, def ? h('small', {}, ` usual ${def.romRangeDeg.min}–${def.romRangeDeg.max}`) : null),
    h('td', {}, hold),
    h('td', {}, tempo),
    h('td', {}, notes),
    h('td', {}, remove),
  );
  const row: ItemRow = {
    element,
    read: () => ({
      exercise: item.exercise,
      sets: Number(sets.value),
      reps: Number(reps.value),
      targetRomDeg: optionalNumber(rom),
      holdSeconds: optionalNumber(hold),
      tempoSeconds: optionalNumber(tempo),
      notes: notes.value,
    }),
  };
  remove.addEventListener('click', () => onRemove(row));
  return row;
}

/** The editor for a patient's plan; `onSaved` receives the stored version. */
export function planEditor(
  patientId: string,
  catalogue: Catalogue,
  plan: PlanVersion | null,
  onSaved: (plan: PlanVersion) => void,
): HTMLElement {
  const rows: ItemRow[] = [];
  const body = h('tbody');
  const removeRow = (row: ItemRow) => {
    rows.splice(rows.indexOf(row), 1);
    row.element.remove();
  };
  const addRow = (item: PlanItem) => {
    const row = itemRow(catalogue, item, removeRow);
    rows.push(row);
    body.append(row.element);
  };
  for (const item of plan?.items ?? []) addRow(item);

  const version = h('span', { 'data-testid': 'plan-version' }, plan ? String(plan.version) : '–');
  const perWeek = numberInput('Sessions per week', plan?.sessionsPerWeek ?? 5, {
    min: '1',
    max: '21',
    step: '1',
    required: '',
  });
  const precautions = precautionsEditor(catalogue.precautionPresets, plan?.precautions ?? null);
  const notes = h('input', { 'aria-label': 'Plan notes', value: plan?.notes ?? '', maxlength: '2000' });
  const addSelect = h(
    'select',
    { 'aria-label': 'Exercise to add' },
    ...catalogue.exercises.map((e) => h('option', { value: e.id }, e.name)),
  );
  const addButton = h('button', { type: 'button' }, 'Add exercise');
  addButton.addEventListener('click', () => {
    const def = catalogue.exercises.find((e) => e.id === addSelect.value)!;
    addRow({
      exercise: def.id,
      sets: def.kind === 'hold' ? 1 : 2,
      reps: def.kind === 'hold' ? 3 : 10,
      targetRomDeg: def.targetRomDeg,
      holdSeconds: def.holdSeconds,
      tempoSeconds: null,
      notes: '',
    });
  });
  const message = h('p', { role: 'status', 'data-testid': 'plan-message' });
  const save = h('button', { type: 'submit' }, 'Save plan');

  const form = h(
    'form',
    { class: 'plan-editor' },
    h('p', {}, 'Version ', version, ' · changes apply from the next session'),
    h(
      'div',
      { class: 'row' },
      h('label', {}, 'sessions per week ', perWeek),
      h('label', { class: 'grow' }, 'notes ', notes),
    ),
    precautions.element,
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['exercise', 'sets', 'reps', 'target ROM °', 'hold s', 's per rep', 'notes', ''].map((t) =>
            h('th', {}, t),
          ),
        ),
      ),
      body,
    ),
    h('div', { class: 'row' }, addSelect, addButton, save),
    message,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.className = '';
    message.textContent = 'saving…';
    save.disabled = true;
    try {
      const payload = {
        sessionsPerWeek: Number(perWeek.value),
        items: rows.map((r) => r.read()),
        precautions: precautions.read(),
        ...(notes.value !== '' && { notes: notes.value }),
      };
      const result = await api<{ plan: PlanVersion; published: boolean }>(
        'PUT',
        `/api/patients/${patientId}/plan`,
        payload,
      );
      version.textContent = String(result.plan.version);
      // Show what was stored (the same as sent, the limits after the preset included).
      precautions.show(result.plan.precautions);
      message.className = 'ok';
      message.textContent =
        `Saved as version ${result.plan.version}; it applies from the next session` +
        (result.published ? '.' : ' (the gateway receives it when the processing service republishes).');
      onSaved(result.plan);
    } catch (err) {
      message.className = 'error';
      message.textContent = err instanceof ApiError ? `Not saved: ${err.message}` : (err as Error).message;
    } finally {
      save.disabled = false;
    }
  });
  return form;
}
