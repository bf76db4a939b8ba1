/**
 * Freeze the built-in prototypes as Moddable does (preloaded built-ins live in flash, read-only),
 * before the firmware runs: an assignment over an inherited read-only property (the "override
 * mistake", e.g. `this.name = …` in an Error subclass, or a class field compiled to an
 * assignment) then throws here as it would on the device.
 */
const TypedArray = Object.getPrototypeOf(Uint8Array) as { prototype: object };
for (const c of [Object, Function, Error, TypeError, RangeError, SyntaxError, ReferenceError, Uint8Array, Uint32Array, DataView, ArrayBuffer, TypedArray, Map, Set, WeakMap, Promise, Date, RegExp, Boolean, Number, String, Array]) {
  Object.freeze(c.prototype);
}
