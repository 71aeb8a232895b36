/** Strict Handlebars rendering of role templates and task arguments. */
export { createRenderer, resolveInside, type Renderer, type RendererOptions } from './renderer.js';
export { TemplateError } from './errors.js';
export { HELPERS } from './helpers.js';
