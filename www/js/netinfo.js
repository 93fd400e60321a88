// What the page needs to know about a network, from net.layers() and
// net.specJson(): layers grouped for display (each activation goes with the
// layer it follows), and the receptive field of any cell.

const ACTIVATIONS = new Set(['relu', 'tanh', 'sigmoid']);

/**
 * Display groups: [{name, main, act, index, actIndex}], where main is a layer
 * with a shape of its own (conv, pool, linear, flatten) and act the
 * activation right after it, if any.
 */
export function groupLayers(layers) {
  const groups = [];
  layers.forEach((layer, index) => {
    const last = groups[groups.length - 1];
    if (ACTIVATIONS.has(layer.kind) && last && !last.act) {
      last.act = layer;
      last.actIndex = index;
    } else {
      groups.push({ name: layer.name, main: layer, act: null, index, actIndex: -1 });
    }
  });
  return groups;
}

/** Per layer: how it maps positions ({k, s, p}) or null when every output sees the whole input. */
function geometry(spec) {
  return spec.layers.map((l) => {
    switch (l.type) {
      case 'conv2d':
        return { k: l.kernel_size, s: l.stride ?? 1, p: l.padding ?? 0 };
      case 'max_pool2d':
      case 'avg_pool2d':
        return { k: l.kernel_size, s: l.stride ?? l.kernel_size, p: l.padding ?? 0 };
      case 'relu':
      case 'tanh':
      case 'sigmoid':
        return { k: 1, s: 1, p: 0 };
      default:
        return null;
    }
  });
}

/**
 * The input rows and columns that cell (y, x) of layer `index` depends on,
 * clipped to the input: {y0, y1, x0, x1} inclusive, or null for the whole input.
 */
export function receptiveField(spec, index, y, x) {
  const geo = geometry(spec);
  let y0 = y;
  let y1 = y;
  let x0 = x;
  let x1 = x;
  for (let i = index; i >= 0; i--) {
    const g = geo[i];
    if (!g) return null;
    y0 = y0 * g.s - g.p;
    y1 = y1 * g.s - g.p + g.k - 1;
    x0 = x0 * g.s - g.p;
    x1 = x1 * g.s - g.p + g.k - 1;
  }
  const [, h, w] = spec.input;
  const r = { y0: Math.max(0, y0), y1: Math.min(h - 1, y1), x0: Math.max(0, x0), x1: Math.min(w - 1, x1) };
  return r.y0 === 0 && r.x0 === 0 && r.y1 === h - 1 && r.x1 === w - 1 ? null : r;
}

export function shapeText(shape) {
  return shape.height === 1 && shape.width === 1
    ? `${shape.channels}`
    : `${shape.channels} × ${shape.height} × ${shape.width}`;
}

export const fmtInt = (n) => n.toLocaleString('en-US');
