// The renderer is type-checked without @types/node, so no Node global can leak into it. The one
// Node type its imports name is NodeJS.Platform (main/env.ts's defaultShell, which the renderer
// never calls); it is declared here as the string it is.
declare namespace NodeJS {
  type Platform = string;
}
