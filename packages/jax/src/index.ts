export { jaxAdapter, jaxConfig } from './adapter';
export { isJaxValue, jaxApi } from './jaxApi';
export { splitOptions } from './splitOptions';
export type { OptionsTree } from './splitOptions';
