"use client";
import { formatValue, type HistogramUnit } from "@/lib/shared/histogram.ts";
import { SIGNIFICANCE_LEVEL, formatP, type HistogramComparison } from "@/lib/views/compare-histograms.ts";
import { exportFileName } from "@/lib/views/run-export.ts";
import { CompareChart } from "@/components/charts/compare-chart.tsx";
import "./sre-views.css";

const signed = (value: number, unit: HistogramUnit) => `${value >= 0 ? "+" : "−"}${formatValue(Math.abs(value), unit)}`;

/** Overlaid histograms, the shift of each percentile, and the test's plain statement. */
export function ComparisonView({
  comparison,
  unit,
  labels,
  title,
  fileKey,
}: {
  comparison: HistogramComparison;
  unit: HistogramUnit;
  labels: { a: string; b: string };
  title: string;
  fileKey: string;
}) {
  const { test } = comparison;
  return (
    <div data-testid="comparison" data-differ={test.testable ? String(test.differ) : "untestable"} data-p-value={test.testable ? test.pValue : ""}>
      <p className={`statement${test.testable && test.differ ? " differ" : ""}`} data-testid="comparison-statement">
        {comparison.statement}
      </p>
      <CompareChart
        buckets={comparison.buckets}
        shifts={comparison.shifts}
        unit={unit}
        labels={labels}
        title={title}
        fileName={exportFileName(fileKey, `${title} comparison`, "png")}
      />
      <table className="list shifts" data-testid="percentile-shifts">
        <thead>
          <tr>
            <th>Percentile</th>
            <th>A: {labels.a}</th>
            <th>B: {labels.b}</th>
            <th>Shift</th>
          </tr>
        </thead>
        <tbody>
          {comparison.shifts.map((shift) => (
            <tr key={shift.name} data-testid={`shift-${shift.name}`}>
              <td>{shift.name}</td>
              <td>{shift.a === null ? "n/a" : formatValue(shift.a, unit)}</td>
              <td>{shift.b === null ? "n/a" : formatValue(shift.b, unit)}</td>
              <td>
                {shift.change === null ? "n/a" : signed(shift.change, unit)}
                {shift.relative !== null && <span className="muted"> ({`${shift.relative >= 0 ? "+" : ""}${Math.round(shift.relative * 100)}%`})</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small-text">
        {comparison.totalA.toLocaleString("en-US")} samples in A, {comparison.totalB.toLocaleString("en-US")} in B. The test is Pearson&apos;s chi-square test of homogeneity over
        the bucket counts (neighbouring buckets pooled until every expected count is at least 5); &quot;differ&quot; means p &lt; {SIGNIFICANCE_LEVEL}. With millions of events even
        a shift nobody would notice is significant, so read Cramér&apos;s V too: under 0.1 is negligible. Percentiles are estimated from the buckets (docs/sre-views.md).
        {test.testable && ` χ² = ${test.statistic.toFixed(2)}, ${test.degreesOfFreedom} degrees of freedom, ${formatP(test.pValue)}, Cramér's V = ${test.cramersV.toFixed(3)}.`}
      </p>
    </div>
  );
}
