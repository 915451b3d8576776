// A page that installs the TF.js adapter (TF.js itself, the application's, is not counted).
import { installAdapter } from '@chainrules/core';
import { tfjsAdapter } from '@chainrules/tfjs';

export const uninstall = installAdapter(tfjsAdapter);
