// A page that calls one rule of @chainrules/rules on plain numbers.
import { gaussian } from '@chainrules/rules';

export const value = gaussian(0.5, { amplitude: 2, pos: 0, sigma: 1 });
