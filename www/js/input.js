// The network's input as the page makes and draws it: 1 × 32 × 32 values,
// 0 for paper and 1 for ink, row by row. An MNIST digit (28 × 28) sits in its
// middle with 2 pixels of zeros on every side.

/** Side of the network's square input, in pixels. */
export const INPUT_SIDE = 32;

/** Values in one input; n inputs end to end are n × INPUT_SIZE values. */
export const INPUT_SIZE = INPUT_SIDE * INPUT_SIDE;

/** Side of an MNIST digit, in pixels. */
export const MNIST_SIDE = 28;

/** Pixels in one MNIST digit. */
export const MNIST_SIZE = MNIST_SIDE * MNIST_SIDE;

/** Zeros around an MNIST digit in an input, on each side. */
export const MNIST_BORDER = (INPUT_SIDE - MNIST_SIDE) / 2;
