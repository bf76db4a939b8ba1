/**
 * The example app's status as the simulator's host reads it (targets/xs-sim entries, the mcsim heap
 * report): a function beside the app, so the app the Moddable builds carry has none of it.
 */
import type { DeviceApp } from './app.js';

export function deviceStatus(app: DeviceApp): Record<string, unknown> {
  return {
    ...app.state,
    observers: app.endpoint.observation?.registry.size ?? 0,
    nextSeq: app.contexts.map((c) => c.sequence.next),
    replayWindowUnknown: app.contexts.map((c) => c.replayWindow.isUnknown),
  };
}
