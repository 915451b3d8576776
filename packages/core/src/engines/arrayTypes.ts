/**
 * The array types of installed engines, filled in by adapters through declaration merging so
 * that tangent types admit them:
 *
 * @example
 * ```ts
 * declare module '@chainrules/core' {
 *   interface ArrayTypes { tfjs: import('@tensorflow/tfjs-core').Tensor }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ArrayTypes {}

/** The union of the array types in {@link ArrayTypes}; `never` while none is declared. */
export type EngineArray = ArrayTypes[keyof ArrayTypes];
