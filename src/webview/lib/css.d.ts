// esbuild bundles .css files as text (loader: text); the panels add them under their CSP nonce.
declare module '*.css' {
  const text: string;
  export default text;
}
