// Loaded with `node --import` before the custom server. The `server-only`
// marker package throws when imported outside React's server environment;
// the custom server *is* server code, so resolve the marker the way React
// Server Components do (its "react-server" export, an empty module).
import { register } from "node:module";

register("./server-conditions-hooks.mjs", import.meta.url);
