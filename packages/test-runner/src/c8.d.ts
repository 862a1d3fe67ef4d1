declare module 'c8' {
  /** c8's programmatic report (the subset otp-ts uses). */
  export class Report {
    constructor(options: Record<string, unknown>);
    run(): Promise<void>;
    getCoverageMapFromAllCoverageFiles(): Promise<{ filter(keep: (file: string) => boolean): void; getCoverageSummary(): { toJSON(): Record<'lines' | 'statements' | 'functions' | 'branches', { pct: number }> } }>;
  }
}
