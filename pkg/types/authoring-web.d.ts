// Browser / bundler entry point of the authoring module: initialise it once before using `Policy`.
export * from "./authoring.js";
export { default, initSync } from "./web.js";
