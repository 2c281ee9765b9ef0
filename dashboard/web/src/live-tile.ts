/// <reference lib="dom" />
// One patient's tile on the live board: name (link to the patient page), exercise and set, repetitions, last and
// best ROM against the plan's target, a compact live angle chart and the newest alerts. It draws what the shared
// PatientLiveState reports; the chart is created with the tile and destroyed with it, and like every LiveChart it
// only animates while samples flow.
import { fmt, h } from './dom.js';
import { LiveChart } from './live-chart.js';
import type { LiveAlert, LiveUpdate, PatientLiveState } from '../../src/live/patient-live-state.js';
import { setProgressText } from '../../src/live/patient-live-state.js';

/** alerts kept on a tile: the newest few are what a glance needs; the patient page lists them all */
const ALERTS_SHOWN = 3;
const CHART_HEIGHT = 120;

export interface TilePatient {
  id: string;
  displayName: string;
}

export class LiveTile {
  readonly element: HTMLElement;
  private readonly chart: LiveChart;
  private readonly repCount = h('span', { class: 'big', 'data-testid': 'tile-reps', 'aria-live': 'polite' }, '0');
  private readonly state = h('span', { 'data-testid': 'tile-state' }, '–');
  private readonly setInfo = h('span', { 'data-testid': 'tile-set' }, '–');
  private readonly lastRom = h('span', { 'data-testid': 'tile-last-rom' }, '–');
  private readonly bestRom = h('span', { 'data-testid': 'tile-best-rom' }, '–');
  private readonly targetRom = h('span', { 'data-testid': 'tile-target-rom' }, '–');
  private readonly gateway = h('span', {}, '');
  private readonly alerts = h('ul', { class: 'tile-alerts', 'data-testid': 'tile-alerts', 'aria-live': 'assertive' });
  /** target ROM per exercise of the session's plan */
  private targets = new Map<string, number | null>();

  /** `mount` puts the tile's element in the page: the chart takes its width from there. */
  constructor(
    readonly patient: TilePatient,
    private readonly exerciseName: (id: string) => string,
    mount: (element: HTMLElement) => void,
  ) {
    const nameId = `tile-${patient.id}-name`;
    const chartBox = h('div', { class: 'chart tile-chart', role: 'img', 'aria-label': 'live hip angles' });
    this.element = h(
      'article',
      { class: 'tile card', 'data-testid': 'live-tile', 'data-patient-id': patient.id, 'aria-labelledby': nameId },
      h(
        'header',
        { class: 'tile-head' },
        h('h2', { id: nameId }, h('a', { href: `#/patients/${patient.id}` }, patient.displayName)),
        this.gateway,
      ),
      h(
        'div',
        { class: 'tile-stats' },
        h('div', {}, h('div', { class: 'label' }, 'repetitions'), this.repCount),
        h('div', {}, h('div', { class: 'label' }, 'exercise'), this.setInfo, h('div', {}, this.state)),
        h(
          'div',
          {},
          h('div', { class: 'label' }, 'ROM ° last / best'),
          this.lastRom,
          ' / ',
          this.bestRom,
          h('div', {}, 'target ', this.targetRom),
        ),
      ),
      chartBox,
      this.alerts,
    );
    mount(this.element);
    this.chart = new LiveChart(chartBox, { height: CHART_HEIGHT, compact: true, pixelStep: true });
  }

  get ended(): boolean {
    return this.element.classList.contains('ended');
  }

  setTargets(targets: Map<string, number | null>, live: PatientLiveState): void {
    this.targets = targets;
    this.showTarget(live);
  }

  showGateway(online: boolean | null): void {
    this.gateway.textContent = online === null ? '' : online ? 'online' : 'offline';
    this.gateway.className = online === null ? '' : online ? 'online' : 'offline';
  }

  /** Draws one update; `live` holds the state after it. */
  apply(update: LiveUpdate, live: PatientLiveState): void {
    switch (update.kind) {
      case 'session':
        this.element.classList.remove('ended', 'precaution-alert');
        this.repCount.textContent = '0';
        this.state.textContent = this.setInfo.textContent = '–';
        this.lastRom.textContent = this.bestRom.textContent = '–';
        this.alerts.replaceChildren();
        this.targets = new Map();
        this.showTarget(live);
        this.chart.clear();
        break;
      case 'angles':
        this.chart.push(update.t, update.flexion, update.abduction, update.rotation);
        break;
      case 'rep':
        this.repCount.textContent = String(live.repCount);
        this.lastRom.textContent = fmt(update.rep.romDeg);
        this.bestRom.textContent = fmt(live.bestRomDeg);
        this.showTarget(live);
        break;
      case 'state':
        this.state.textContent = update.info.state.replaceAll('_', ' ');
        this.setInfo.textContent = setProgressText(update.info, this.exerciseName);
        this.element.classList.toggle('ended', live.ended);
        this.showTarget(live);
        break;
      case 'alert':
        this.showAlert(update.alert);
        break;
      case 'gateway':
        this.showGateway(update.online);
        break;
    }
  }

  destroy(): void {
    this.chart.destroy();
    this.element.remove();
  }

  private showTarget(live: PatientLiveState): void {
    const exercise = live.lastRep?.exercise ?? live.info?.exercise;
    this.targetRom.textContent = exercise ? fmt(this.targets.get(exercise)) : '–';
  }

  private showAlert(alert: LiveAlert): void {
    // A crossed precaution marks the whole tile until the next session: it must catch the eye on a full board.
    if (alert.precaution) this.element.classList.add('precaution-alert');
    this.alerts.prepend(
      h(
        'li',
        { class: `alert-${alert.level}${alert.precaution ? ' precaution' : ''}`, 'data-code': alert.code },
        `${alert.level}: ${alert.message}`,
      ),
    );
    while (this.alerts.children.length > ALERTS_SHOWN) this.alerts.lastElementChild!.remove();
  }
}
