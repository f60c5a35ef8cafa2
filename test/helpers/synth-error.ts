/** The message a construct's validation throws while `build` runs, or '' when it throws none. */
export function synthError(build: () => void): string {
  try {
    build();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}
