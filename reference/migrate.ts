import type pg from "pg";

/** PLACEHOLDER until the reference schema lands: applies the numbered SQL files. */
export async function migrate(_client: pg.ClientBase): Promise<void> {}
