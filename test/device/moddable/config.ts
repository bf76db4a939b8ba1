/** `mc/config`: what mcconfig's command line would hold; the test host sets it before the bundle runs. */
export default ((globalThis as { deviceConfig?: Record<string, unknown> }).deviceConfig ?? {}) as Record<string, unknown>;
