/** The command that installs the browser the tests run on (Debian's headless Chromium). */
export declare const INSTALL_CHROMIUM: string;
/** The Chromium to run: `$CHROMIUM_PATH` when set (an empty value means none), else the first installed candidate; `undefined` when there is none. */
export declare function findChromium(): string | undefined;
/** Launch flags for the system Chromium: no sandbox, no network chatter, WebGPU and WebGL on SwiftShader. */
export declare function chromiumArgs(): string[];
