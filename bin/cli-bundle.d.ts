/** Types of cli-bundle.js (plain JavaScript, so that bin/dslc.js runs it without tsx). */
export declare const ROOT: string;
/** The bundle's entry file when it was built from the sources as they are now, else undefined. */
export declare function freshBundle(root?: string): string | undefined;
/** Bundles `<root>/cli/main.ts` into `<root>/dist/cli/`; returns the entry file. */
export declare function buildCliBundle(root?: string): Promise<string>;
