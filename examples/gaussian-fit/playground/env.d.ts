/// <reference lib="dom" />
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient declaration file: a reference is how the assets' module types reach the page
/// <reference path="../../../tools/backends/assets.d.ts" />
