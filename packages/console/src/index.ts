/** The web console lands in a later issue; this package builds so the workspace layout is real. */
export const consoleVersion = '0.1.0'
