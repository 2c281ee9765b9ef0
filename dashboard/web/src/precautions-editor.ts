/// <reference lib="dom" />
// The precautions part of the plan editor: a preset and the limits themselves, a minimum and a maximum per hip
// angle (degrees, clinical signs, empty = no limit). Choosing a preset fills its limits in; the therapist may then
// change any of them. What is shown is what is saved, and a stored plan shows the limits it holds (the store keeps
// the effective limits: the preset's with the custom bounds over them).
import { h } from './dom.js';

export type AngleName = 'flexion' | 'abduction' | 'rotation';
export interface AngleBounds {
  min?: number;
  max?: number;
}
export type AngleLimits = Partial<Record<AngleName, AngleBounds>>;
export interface Precautions {
  preset: string | null;
  limits: AngleLimits;
}

const ANGLES: AngleName[] = ['flexion', 'abduction', 'rotation'];
const BOUNDS = ['min', 'max'] as const;
type Bound = (typeof BOUNDS)[number];

/** What crossing each bound means clinically (a posterior-approach THA limits flexion max, abduction min, …). */
const MEANING: Record<AngleName, Record<Bound, string>> = {
  flexion: { min: 'extension limit', max: 'flexion limit' },
  abduction: { min: 'adduction limit', max: 'abduction limit' },
  rotation: { min: 'external rotation limit', max: 'internal rotation limit' },
};

const capitalised = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const presetName = (preset: string) => preset.replace(/_/g, ' ');

export interface PrecautionsEditor {
  /** the preset select and the limits table */
  element: HTMLElement;
  read(): Precautions;
  show(precautions: Precautions): void;
}

export function precautionsEditor(
  presets: Record<string, AngleLimits>,
  initial: Precautions | null,
): PrecautionsEditor {
  const preset = h(
    'select',
    { 'aria-label': 'Precautions preset' },
    h('option', { value: '' }, 'custom limits'),
    ...Object.keys(presets).map((name) => h('option', { value: name }, presetName(name))),
  );
  const inputs = new Map<string, HTMLInputElement>();
  const input = (angle: AngleName, bound: Bound) => inputs.get(`${angle}.${bound}`)!;
  for (const angle of ANGLES) {
    for (const bound of BOUNDS) {
      const label = `${capitalised(angle)} ${bound === 'min' ? 'minimum' : 'maximum'} (${MEANING[angle][bound]})`;
      inputs.set(
        `${angle}.${bound}`,
        h('input', { type: 'number', 'aria-label': label, min: '-180', max: '180', step: '0.5' }),
      );
    }
  }

  /**
   * The store lays the custom bounds over the preset's, so a preset bound left empty would come back on saving.
   * The form refuses that and says how to drop the bound, rather than save something other than what is shown.
   */
  const checkPresetBounds = () => {
    const limits = presets[preset.value] ?? {};
    for (const angle of ANGLES) {
      for (const bound of BOUNDS) {
        const value = limits[angle]?.[bound];
        const field = input(angle, bound);
        field.setCustomValidity(
          value !== undefined && field.value.trim() === ''
            ? `The ${presetName(preset.value)} preset sets this limit (${value}°); ` +
                'choose "custom limits" to remove it.'
            : '',
        );
      }
    }
  };

  const fill = (limits: AngleLimits) => {
    for (const angle of ANGLES) {
      for (const bound of BOUNDS) {
        const value = limits[angle]?.[bound];
        input(angle, bound).value = value === undefined ? '' : String(value);
      }
    }
  };

  const show = (precautions: Precautions) => {
    preset.value = precautions.preset ?? '';
    fill(precautions.limits);
    checkPresetBounds();
  };

  preset.addEventListener('change', () => {
    // A preset replaces the limits with its own; "custom limits" keeps those shown, now free to change.
    if (preset.value !== '') fill(presets[preset.value] ?? {});
    checkPresetBounds();
  });
  for (const field of inputs.values()) field.addEventListener('input', checkPresetBounds);

  const rows = ANGLES.map((angle) =>
    h(
      'tr',
      { 'data-angle': angle },
      h('th', { scope: 'row' }, angle),
      ...BOUNDS.map((bound) => h('td', {}, input(angle, bound), h('small', {}, ` ${MEANING[angle][bound]}`))),
    ),
  );
  const element = h(
    'fieldset',
    { class: 'precautions' },
    h('legend', {}, 'Precautions (hip angles in °, empty = no limit)'),
    h('label', {}, 'start from ', preset),
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'angle'), h('th', {}, 'minimum °'), h('th', {}, 'maximum °'))),
      h('tbody', {}, ...rows),
    ),
  );
  show(initial ?? { preset: null, limits: {} });

  return {
    element,
    show,
    read() {
      const limits: AngleLimits = {};
      for (const angle of ANGLES) {
        const bounds: AngleBounds = {};
        for (const bound of BOUNDS) {
          const text = input(angle, bound).value.trim();
          if (text !== '') bounds[bound] = Number(text);
        }
        if (bounds.min !== undefined || bounds.max !== undefined) limits[angle] = bounds;
      }
      return { preset: preset.value === '' ? null : preset.value, limits };
    },
  };
}
