// @ts-check
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const serverOrUiOnly = [
  { group: ["next", "next/*", "react", "react-dom", "react/*"], message: "lib/shared, lib/protocol, lib/views and the agent run outside Next and React." },
  { group: ["@prisma/*", "@/lib/server/db/*", "pg"], message: "Only the server's data layer talks to the database." },
  { group: ["server-only", "@/lib/server/*", "@/lib/server/**"], message: "Server-only modules must not reach the shared zones or the agent." },
  { group: ["@/components/*", "@/components/**", "@/app/*", "@/app/**", "@/lib/client/*"], message: "UI code is not shared with the agent." },
];
// The zones of lib/ (docs/architecture.md); each zone's tsconfig refuses the wrong runtime's types, these rules the wrong zone.
const protocolZone = { group: ["@/lib/protocol/*", "**/protocol/*.ts"], message: "lib/protocol is the agent <-> server protocol (Node only): not for this zone." };
const viewsZone = {
  group: ["@/lib/views/*", "@/lib/views/**", "**/views/*.ts", "**/views/**/*.ts"],
  message: "lib/views is what the browser draws: the agent and the protocol never need it.",
};
const nodeBuiltins = { group: ["node:*"], message: "This zone runs in the browser too: no Node modules." };
export default tseslint.config(
  {
    ignores: [
      ".next/**",
      "node_modules/**",
      "lib/server/db/generated/**",
      "agent/dist/**",
      "cli/dist/**",
      "dist/**",
      ".data/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
    ],
  },
  ...tseslint.configs.recommended,
  {
    // Type-aware rules that catch real bugs here: a promise nobody awaits or catches, a promise where
    // a callback's return is ignored, `await` on what is not a promise, a switch that forgets a case.
    files: ["**/*.{ts,tsx,mts}"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // Pure code every side imports: nothing of Node, the browser's UI, the server, or another zone.
    files: ["lib/shared/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [...serverOrUiOnly, protocolZone, viewsZone, nodeBuiltins] }] },
  },
  {
    // The agent <-> server protocol, and the agent itself: no server, UI or view code.
    files: ["lib/protocol/**/*.ts", "agent/**/*.ts"],
    // Tests may drive the server to exercise the agent; the rule is about what ships.
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [...serverOrUiOnly, viewsZone] }] },
  },
  {
    // The terminal client speaks to the server as a browser does (HTTP API, /live): views yes; server, UI and the agent's protocol no.
    files: ["cli/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [...serverOrUiOnly, protocolZone] }] },
  },
  {
    // View math: the browser runs it, so no Node, no protocol, no server.
    files: ["lib/views/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [...serverOrUiOnly, protocolZone, nodeBuiltins] }] },
  },
  {
    // Browser code never imports the server's modules (secrets, Prisma).
    files: ["components/**/*.{ts,tsx}", "lib/client/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@/lib/server/db/*", "@prisma/*", "pg"], message: "Client code never touches the database." }, protocolZone] }],
    },
  },
  {
    // The hooks rules (and the React Compiler's checks that ship with them) on the code that renders.
    files: ["components/**/*.{ts,tsx}", "app/**/*.{ts,tsx}"],
    ...reactHooks.configs.flat.recommended,
  },
  {
    files: ["components/**/*.{ts,tsx}", "app/**/*.{ts,tsx}"],
    // A dependency list that does not say what a hook reads is a bug here, not a matter of taste: fail, not warn.
    rules: { "react-hooks/exhaustive-deps": "error" },
  },
);
