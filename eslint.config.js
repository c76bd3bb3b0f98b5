// @ts-check
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const serverOrUiOnly = [
  { group: ["next", "next/*", "react", "react-dom", "react/*"], message: "lib/shared and the agent run outside Next and React." },
  { group: ["@prisma/*", "@/lib/server/db/*", "pg"], message: "Only the server's data layer talks to the database." },
  { group: ["server-only", "@/lib/server/*", "@/lib/server/**"], message: "Server-only modules must not reach the shared zone or the agent." },
  { group: ["@/components/*", "@/components/**", "@/app/*", "@/app/**", "@/lib/client/*"], message: "UI code is not shared with the agent." },
];

export default tseslint.config(
  {
    ignores: [".next/**", "node_modules/**", "lib/server/db/generated/**", "agent/dist/**", "dist/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts"],
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
    // The zone the agent and the server share, and the agent itself: a lint rule holds the boundary.
    files: ["lib/shared/**/*.ts", "agent/**/*.ts"],
    // Tests may drive the server to exercise the agent; the rule is about what ships.
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: serverOrUiOnly }] },
  },
  {
    // Browser code never imports the server's modules (secrets, Prisma).
    files: ["components/**/*.{ts,tsx}", "lib/client/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@/lib/server/db/*", "@prisma/*", "pg"], message: "Client code never touches the database." }] },
      ],
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
