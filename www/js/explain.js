// One or two sentences per layer: what it does and why, worded from the
// layer's own numbers so they stay true for any network the page loads.

import { fmtInt } from './netinfo.js';

const STAGE = {
  C1: 'Each of the maps answers one question everywhere on the digit, such as “is there an edge running this way here?” A kernel’s pattern (below) is the shape its map lights up for.',
  C3: 'C3 combines the S2 maps: each kernel spans all of them, so a map can fire where simple strokes meet, at corners, curves and line ends. (In the 1998 LeNet-5 each C3 map read only some S2 maps, to save parameters; here each reads all.)',
  C5: 'Its kernels are as large as its input, so each output sees the whole digit: a convolution that has become fully connected.',
  F6: 'Together its units describe the digit as a mix of the parts found below it.',
  output:
    'These are scores (logits); softmax turns them into the probabilities shown beside the pad, and the largest wins. The shipped network has an 11th score, “not a digit”, trained on letters, symbols and scribbles the project draws itself. Training raises the right answer’s score against the others (cross-entropy loss).',
};

const ACT = {
  relu: 'Then ReLU, max(0, x): negative responses become 0, so only evidence for a feature passes on. It is cheap, its slope is 1 or 0, and unlike sigmoid it does not saturate, so the network trains fast.',
  tanh: 'Then tanh squashes every value into (−1, 1), as in the 1998 LeNet-5; it saturates for large inputs, which slows learning.',
  sigmoid:
    'Then sigmoid squashes every value into (0, 1); it saturates and is not centred on 0, so CNNs seldom use it inside.',
};

/** @returns {string[]} paragraphs */
export function explain(group, spec, inputShape) {
  const { main, act } = group;
  const l = spec.layers[group.index];
  const prev = inputShape;
  const out = [];
  switch (main.kind) {
    case 'conv2d': {
      const k = l.kernel_size;
      const s = l.stride ?? 1;
      const p = l.padding ?? 0;
      const size = prev.channels > 1 ? `${k}×${k}×${prev.channels}` : `${k}×${k}`;
      const spatial = main.shape.height > 1 || main.shape.width > 1;
      out.push(
        `Convolution: ${main.shape.channels} kernels of ${size} slide over the input with stride ${s} ` +
          `(${s === 1 ? 'one pixel' : `${s} pixels`} per output cell)${p ? ` and ${p} pixel${p > 1 ? 's' : ''} of zero padding` : ', no padding'}: ` +
          `(${prev.height}${p ? ` + 2×${p}` : ''} − ${k}) / ${s} + 1 = ${main.shape.height}. ` +
          (spatial
            ? `Each cell sees only a ${k}×${k} patch (a local receptive field), and every position shares the same weights, so ${fmtInt(main.connections)} connections need only ${fmtInt(main.params)} parameters.`
            : `${fmtInt(main.params)} parameters.`),
      );
      break;
    }
    case 'max_pool2d':
    case 'avg_pool2d': {
      const k = l.kernel_size;
      const s = l.stride ?? k;
      const how = main.kind === 'max_pool2d' ? 'the largest value' : 'the average';
      out.push(
        `Subsampling (${main.kind === 'max_pool2d' ? 'max' : 'average'} pooling ${k}×${k}, stride ${s}): each cell keeps ${how} of a ${k}×${k} window, ` +
          `so the maps shrink from ${prev.height}×${prev.width} to ${main.shape.height}×${main.shape.width}, with no weights to learn. ` +
          'A stroke that moves a pixel changes little here, and the next kernels see a larger part of the digit.',
      );
      break;
    }
    case 'linear':
      out.push(
        `Fully connected: each of the ${main.shape.channels} units weighs all ${fmtInt(prev.channels * prev.height * prev.width)} values before it, plus a bias (${fmtInt(main.params)} parameters).`,
      );
      break;
    case 'flatten':
      out.push(
        `Flatten lays the ${prev.channels} maps of ${prev.height}×${prev.width} out as one list of ${main.shape.channels} values for the dense layers.`,
      );
      break;
    default:
      out.push(`${main.kind} layer.`);
  }
  if (STAGE[main.name]) out.push(STAGE[main.name]);
  if (act && ACT[act.kind]) out.push(ACT[act.kind]);
  return out;
}

export const INPUT_TEXT =
  'The input: 32 × 32 values, 0 for paper and 1 for ink. Your drawing is cropped, scaled until its longer side is 20 pixels and centred by its centre of mass in a 28 × 28 field, as MNIST’s digits are; ' +
  'then 2 pixels of zeros are added on every side (zero padding, outside the dashed square) so that C1’s 5 × 5 window can centre on every pixel of the digit, edge pixels included.';
