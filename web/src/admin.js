// The admin page (filled in from the API). Work in progress: see docs/dashboard.md.
import { localize, wireSignOut } from "./common.js";
localize();
wireSignOut();
