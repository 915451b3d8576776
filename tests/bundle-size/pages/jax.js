// A page that installs the jax-js adapter (jax-js itself, the application's, is not counted).
import { installAdapter } from '@chainrules/core';
import { jaxAdapter } from '@chainrules/jax';

export const uninstall = installAdapter(jaxAdapter);
