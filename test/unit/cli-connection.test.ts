/**
 * TLS by default off this machine (docs/contract.md §9.11) and the URL checked before anything dials:
 * what `connectionFromUrl` hands to `pg` for each kind of URL.
 */
import { describe, expect, it } from "vitest";
import { connectionFromUrl, isLocalHost } from "../../lambda/cli/connection.js";
import { ConfigurationError } from "../../lambda/errors.js";

describe("connectionFromUrl", () => {
  it("a host that is not local and no sslmode: the server certificate and name are verified", () => {
    const c = connectionFromUrl("postgresql://job:pw@db.example.com:6432/claims");
    expect(c.config.ssl).toEqual({ rejectUnauthorized: true });
    expect(c.tls).toBe("verify the server certificate");
    expect(c.target).toBe("db.example.com:6432/claims");
    expect(JSON.stringify(c.target)).not.toContain("pw");
  });

  it("a local server (loopback, socket directory) without sslmode: no TLS, as before", () => {
    for (const url of [
      "postgres://job:pw@localhost/claims",
      "postgres://job:pw@127.0.0.1:5432/claims",
      "postgres://job:pw@[::1]:5432/claims",
      "postgresql:///claims?host=/var/run/postgresql",
    ]) {
      expect(connectionFromUrl(url).config.ssl, url).toBe(false);
    }
  });

  it("sslmode in the URL decides, for any host (sslmode=disable is the explicit way out)", () => {
    for (const url of [
      "postgresql://job:pw@db.example.com/claims?sslmode=disable",
      "postgresql://job:pw@db.example.com/claims?sslmode=require",
      "postgresql://job:pw@localhost/claims?sslmode=verify-full",
    ]) {
      const c = connectionFromUrl(url);
      expect(c.config.ssl, url).toBeUndefined();
      expect(c.config.connectionString).toBe(url);
      expect(c.tls).toBe("from the URL (sslmode)");
    }
  });

  it("what is not a postgresql:// URL is a ConfigurationError that does not repeat it", () => {
    for (const url of ["base", "postgres://job:s3cret@host:port/db", "https://job:s3cret@host/db", ""]) {
      let error: unknown;
      try {
        connectionFromUrl(url);
      } catch (e) {
        error = e;
      }
      expect(error, url).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(
        /^connect: the database URL in --database-url \/ DATABASE_URL /,
      );
      expect((error as Error).message).not.toContain("s3cret");
    }
  });

  it("isLocalHost", () => {
    expect(["", "localhost", "127.0.0.1", "127.1.2.3", "::1", "/tmp"].every(isLocalHost)).toBe(true);
    expect(["10.0.0.5", "db.internal", "localhost.example.com", "128.0.0.1"].some(isLocalHost)).toBe(false);
  });
});
