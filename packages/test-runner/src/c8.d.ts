declare module 'c8' {
  /** An istanbul coverage map, as c8 builds it (the subset otp-ts uses). */
  interface CoverageMap {
    filter(keep: (file: string) => boolean): void;
    files(): string[];
    merge(other: CoverageMap): void;
    getCoverageSummary(): { toJSON(): Record<'lines' | 'statements' | 'functions' | 'branches', { pct: number }> };
  }
  /** c8's programmatic report (the subset otp-ts uses). */
  export class Report {
    constructor(options: Record<string, unknown>);
    run(): Promise<void>;
    getCoverageMapFromAllCoverageFiles(): Promise<CoverageMap>;
  }
}
