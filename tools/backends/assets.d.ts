/** Vite's `?url` imports: the URL a file is served at. */
declare module '*?url' {
  const url: string;
  export default url;
}
