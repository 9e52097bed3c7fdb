/** Standard gravity (CODATA / ISO 80000-3), used for every g <-> m/s^2 conversion. */
export const STANDARD_GRAVITY = 9.80665
