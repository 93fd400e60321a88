// The layer table: name, kind, output shape, parameters, connections, and the
// time each layer took in the last forward pass (net.layerTimes).

import { el } from './ui.js';
import { shapeText, fmtInt } from './netinfo.js';

export class LayerTable {
  constructor(table) {
    this.body = table.tBodies[0];
    this.foot = table.tFoot;
    this.timeCells = [];
  }

  setModel(model) {
    this.timeCells = [];
    this.body.replaceChildren(
      ...model.layers.map((l) => {
        const time = el('td', { class: 'num time' }, '–');
        this.timeCells.push(time);
        return el(
          'tr',
          {},
          el('th', { scope: 'row' }, l.name),
          el('td', { class: 'col-type' }, l.kind),
          el('td', { class: 'num' }, shapeText(l.shape)),
          el('td', { class: 'num' }, fmtInt(l.params)),
          el('td', { class: 'num' }, fmtInt(l.connections)),
          time,
        );
      }),
    );
    const params = model.layers.reduce((a, l) => a + l.params, 0);
    const conns = model.layers.reduce((a, l) => a + l.connections, 0);
    this.totalTime = el('td', { class: 'num time' }, '–');
    this.foot.replaceChildren(
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, 'total'),
        el('td', { class: 'col-type' }),
        el('td', {}),
        el('td', { class: 'num' }, fmtInt(params)),
        el('td', { class: 'num' }, fmtInt(conns)),
        this.totalTime,
      ),
    );
  }

  /** @param {Float64Array | null} times milliseconds per layer */
  setTimes(times) {
    let total = 0;
    this.timeCells.forEach((cell, i) => {
      const t = times ? times[i] : NaN;
      total += t;
      cell.textContent = Number.isFinite(t) ? fmtMs(t) : '–';
    });
    this.totalTime.textContent = times ? fmtMs(total) : '–';
  }
}

function fmtMs(t) {
  return t < 0.001 ? '< 0.001' : t < 1 ? t.toFixed(3) : t.toFixed(2);
}
