/** Used inside XS bench entries: print one JSON result line for bench/harness.ts's runOnXs. */
declare const print: (s: string) => void;
export function report(value: unknown): void {
  print('XS-RESULT ' + JSON.stringify(value));
}
