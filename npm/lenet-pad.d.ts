import type { Reading, NumberDigit } from './index.js';

/** What `<lenet-pad>` read: the `detail` of its `input` and `change` events. */
export type PadReading =
  | (Reading & {
      /** The digit as text, "" for "not a digit". */
      value: string;
      /** The 1 x 32 x 32 input the network read (row-major, ink 1, background 0). */
      input: Float32Array;
    })
  | {
      /** mode="number": the digits joined, left to right. */
      text: string;
      digits: NumberDigit[];
      value: string;
    };

/**
 * `<lenet-pad>`: a drawing pad that reads what is drawn on it. Importing this
 * module defines the element and loads the shipped network on first use.
 */
export class LenetPad extends HTMLElement {
  /** "digit" (the default) or "number" (several digits on a wide pad). */
  readonly mode: 'digit' | 'number';
  /** The digit or number read; "" for nothing (a blank pad, or not a digit). */
  readonly value: string;
  /** The last reading, null for a blank pad. */
  readonly reading: PadReading | null;
  readonly form: HTMLFormElement | null;
  readonly name: string | null;
  /** Empties the pad (a `change` event follows). */
  clear(): void;
  /** Takes back the last stroke (a `change` event follows). */
  undo(): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'lenet-pad': LenetPad;
  }
}
