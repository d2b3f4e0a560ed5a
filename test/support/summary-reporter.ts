// Prints one plain closing line ("tests: N passed, N failed, N skipped") after vitest's own summary.
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  #passed = 0;
  #failed = 0;
  #skipped = 0;

  onTestCaseResult(testCase: TestCase): void {
    const state = testCase.result().state;
    if (state === 'passed') this.#passed += 1;
    else if (state === 'failed') this.#failed += 1;
    else if (state === 'skipped') this.#skipped += 1;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    // A module that failed to load has no test cases but is still a failure.
    const brokenModules = modules.filter((m) => !m.ok() && [...m.children.allTests()].length === 0).length;
    process.stdout.write(
      `\ntests: ${this.#passed} passed, ${this.#failed + brokenModules} failed, ${this.#skipped} skipped\n`,
    );
  }
}
