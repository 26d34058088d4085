import type { DoctorItem } from '../../src/lib/wire/doctor-report.ts';
import type { Pins } from '../../src/lib/lab-files.ts';
import type { ImageList } from '../images/images.ts';

export { doctorItemIds } from '../../src/lib/wire/doctor-report.ts';
export type {
  DoctorItem,
  DoctorItemId,
  DoctorParams,
  DoctorStatus,
} from '../../src/lib/wire/doctor-report.ts';

/** What a command printed, and whether it ran at all. */
export interface CommandResult {
  ok: boolean;
  /** The program is not on PATH. */
  missing: boolean;
  stdout: string;
  stderr: string;
}

/** The parts of the machine the doctor looks at; tests replace them with fakes. */
export interface DoctorSystem {
  /** Runs a program with the labs' environment (their PATH, KUBECONFIG), with a time limit. */
  run: (command: string, args: string[]) => Promise<CommandResult>;
  /** Reads a file under /proc. */
  readProc: (path: string) => Promise<string>;
  platform: NodeJS.Platform;
  /** Node's name for the CPU: x64, arm64, … */
  arch: string;
  /** Bytes of memory free for new programs. */
  freeMemory: () => number;
  /** Whether something already listens on 127.0.0.1:<port> or [::1]:<port>. */
  portBusy: (port: number) => Promise<boolean>;
  /**
   * Where the labs run: a GitHub codespace, another dev container (VS Code Dev Containers,
   * DevPod, the book's .devcontainer), or this machine itself (undefined).
   */
  devContainer: () => DevContainer | undefined;
  /** Processes a runner killed hard left running (runner/process/ledger.ts). */
  leftovers: (ledger: string) => { kind: 'terminal' | 'check'; pids: number[] }[];
  /** Ledgers that could not be read, the ledger itself or those kept aside (process-ledger.ts). */
  unreadableLedgers: (ledger: string) => { file: string; problem: string }[];
  /** The images the labs run (runner/images), resolved offline from the workspace. */
  imageList: (pins: Pins, home: string) => Promise<ImageList>;
}

export type DevContainer = 'codespaces' | 'devContainer';

/** Where the labs' files live, for commands that name them. */
export interface LabPaths {
  home: string;
  bin: string;
  kubeconfig: string;
}

/** One item found, before its English text is attached. */
export type Finding = Omit<DoctorItem, 'fix'>;

/** Everything one run of the doctor looks at. */
export interface DoctorContext {
  system: DoctorSystem;
  pins: Pins;
  paths: LabPaths;
  /** The kube context the book's cluster has. */
  kubeContext: string;
  /** Host ports to look at. */
  ports: readonly number[];
  /** The port of the runner asking, which it holds itself: not a conflict. */
  ownPort: number | undefined;
  /**
   * The classroom hub's port, looked at apart from `ports`: only an instructor needs it free.
   * Undefined: not looked at.
   */
  hubPort: number | undefined;
  /** The process of the runner asking, or running: a hub it started holds `hubPort`. */
  ownPid: number | undefined;
}
