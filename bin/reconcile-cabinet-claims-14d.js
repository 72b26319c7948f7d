#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so the package needs no build step to be used.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../lambda/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
