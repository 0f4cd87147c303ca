/**
 * The message types' static code: in the bundled provider, what protobufjs's static generator (pbjs, protobufjs-cli)
 * writes from wire-messages.ts's descriptors at `npm run build` replaces this module (scripts/bundle.ts), so a
 * provider process compiles no encoder or decoder at run time and its code is in the V8 code cache. Run from the
 * sources (tests), there is none, and wire-codecs.ts resolves the same descriptors by reflection.
 */
export const STATIC_ROOT: object | undefined = undefined;
