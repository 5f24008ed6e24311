/**
 * The catalog of named fault points in engine code. Each module declares its points here so
 * `blobsim list` can show them and scenarios can demand that every one is reached.
 */
export interface FaultPointInfo {
  name: string;
  description: string;
}

export const ENGINE_FAULT_POINTS: readonly FaultPointInfo[] = [];
