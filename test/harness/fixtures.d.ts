// Fixture files imported by tests: text loaders for captures and configs (scripts/test-files.mjs),
// esbuild's JSON loader for .json (the parsed value).
declare module '*.jsonl' {
  const text: string;
  export default text;
}
declare module '*.conf' {
  const text: string;
  export default text;
}
declare module '*.txt' {
  const text: string;
  export default text;
}
declare module '*.json' {
  const value: unknown;
  export default value;
}
declare module '*.csv' {
  const text: string;
  export default text;
}
