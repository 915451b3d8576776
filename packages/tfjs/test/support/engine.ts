import type * as tf from '@tensorflow/tfjs';

/** Reads a tensor (bool tensors as 0 and 1). */
export const read = (x: tf.Tensor): { shape: number[]; data: number[] } => ({ shape: x.shape, data: Array.from(x.dataSync()) });
