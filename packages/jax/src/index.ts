export { jaxAdapter } from './adapter';
export { jaxConfig } from './config';
export { isJaxValue, jaxApi } from './jaxApi';
export { splitOptions } from './splitOptions';
export type { OptionsTree } from './splitOptions';
