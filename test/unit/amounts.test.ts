import { describe, expect, it } from "vitest";
import { AmountSum, amountFor } from "../../lambda/core/amounts.js";
import { addDays } from "../../lambda/core/dates.js";

describe("amounts", () => {
  it("uses the gap view's amount when present, else the milestone's, always with two places", () => {
    expect([
      amountFor(1, null),
      amountFor(5, undefined),
      amountFor(25, ""),
      amountFor(5, "35.5"),
      amountFor(7, null),
    ]).toEqual(["25.00", "35.00", "100.00", "35.50", "0.00"]);
  });

  it("sums exactly where floating point would not", () => {
    const sum = new AmountSum();
    for (let i = 0; i < 1_000; i++) sum.add("0.10");
    sum.add("0.20");
    expect(sum.toString()).toBe("100.20");
    let float = 0;
    for (let i = 0; i < 1_000; i++) float += 0.1;
    expect(float + 0.2).not.toBe(100.2); // the reason for integer cents
    const small = new AmountSum();
    small.add("0.05");
    small.add("-1.00");
    expect(small.toString()).toBe("-0.95");
    expect(new AmountSum().toString()).toBe("0.00");
  });

  it("refuses an amount that is not a two-place decimal", () => {
    expect(() => new AmountSum().add("35")).toThrow(RangeError);
  });
});

describe("addDays", () => {
  it("crosses month, year and leap-day ends, and gives the same answer from its memory", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2025-02-28", 1)).toBe("2025-03-01");
    expect(addDays("2026-12-25", 14)).toBe("2027-01-08");
    expect(addDays("2026-12-25", 14)).toBe("2027-01-08");
    expect(addDays("2026-01-10", -14)).toBe("2025-12-27");
    expect(() => addDays("2026-02-30", 1)).toThrow(RangeError);
  });
});
