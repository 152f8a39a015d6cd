/*
 * "Play" mode: the person plays the chosen game with the keyboard, on an emulator running on
 * this page (one emulator at 60 frames per second is far below a millisecond per frame, so no
 * worker is needed). Arrow keys / WASD move, Space / Z fires; the joystick direction and the
 * button combine into one of ALE's 18 actions.
 */
import type { Ale } from '../ale/arcade';
import { core } from './rom-library';
import type { FrameCanvas } from './frame-view';

// ALE action numbers (full action set): index = [up, down, left, right, fire] combination.
const NOOP = 0, FIRE = 1, UP = 2, RIGHT = 3, LEFT = 4, DOWN = 5, UPRIGHT = 6, UPLEFT = 7, DOWNRIGHT = 8, DOWNLEFT = 9;
const UPFIRE = 10, RIGHTFIRE = 11, LEFTFIRE = 12, DOWNFIRE = 13, UPRIGHTFIRE = 14, UPLEFTFIRE = 15, DOWNRIGHTFIRE = 16, DOWNLEFTFIRE = 17;

/** The ALE action for a joystick state (opposite directions cancel). */
export function joystickAction(up: boolean, down: boolean, left: boolean, right: boolean, fire: boolean): number {
  const v = up === down ? 0 : up ? -1 : 1;
  const h = left === right ? 0 : left ? -1 : 1;
  const table = fire
    ? [[UPLEFTFIRE, UPFIRE, UPRIGHTFIRE], [LEFTFIRE, FIRE, RIGHTFIRE], [DOWNLEFTFIRE, DOWNFIRE, DOWNRIGHTFIRE]]
    : [[UPLEFT, UP, UPRIGHT], [LEFT, NOOP, RIGHT], [DOWNLEFT, DOWN, DOWNRIGHT]];
  return table[v + 1]![h + 1]!;
}

const KEYS: Record<string, 'up' | 'down' | 'left' | 'right' | 'fire'> = {
  ArrowUp: 'up', KeyW: 'up', ArrowDown: 'down', KeyS: 'down', ArrowLeft: 'left', KeyA: 'left',
  ArrowRight: 'right', KeyD: 'right', Space: 'fire', KeyZ: 'fire',
};

export class PlaySession {
  private ale: Ale | null = null;
  private raf = 0;
  private held = { up: false, down: false, left: false, right: false, fire: false };
  private score = 0;
  private episode = 0;
  private readonly onKey = (e: KeyboardEvent) => this.key(e);

  constructor(
    private readonly view: FrameCanvas,
    private readonly target: HTMLElement,
    private readonly onStatus: (text: string) => void,
  ) {}

  async start(rom: Uint8Array): Promise<void> {
    this.stop();
    const mod = await core();
    const ale = mod.create({ frameSkip: 1, repeatActionProbability: 0 });
    ale.loadRom(rom);
    this.ale = ale;
    this.score = 0;
    this.episode = 1;
    this.target.addEventListener('keydown', this.onKey);
    this.target.addEventListener('keyup', this.onKey);
    this.target.focus();
    let last = performance.now();
    let owed = 0;
    const tick = (now: number) => {
      // Real time: one emulator frame per 1/60 s whatever the display's refresh rate.
      owed = Math.min(owed + (now - last) / (1000 / 60), 4);
      last = now;
      while (owed >= 1) {
        owed -= 1;
        this.frame();
      }
      this.view.draw(ale.screen(), 160, ale.height, 0);
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
    this.status();
  }

  /** Draws the game's screen after a second of no-ops (what the player will see), without playing. */
  async preview(rom: Uint8Array): Promise<void> {
    if (this.playing) return;
    const mod = await core();
    const ale = mod.create({ frameSkip: 1, repeatActionProbability: 0 });
    try {
      ale.loadRom(rom);
      for (let i = 0; i < 60; i++) ale.act(NOOP);
      this.view.draw(ale.screen(), 160, ale.height, 0, 'preview');
    } finally {
      ale.dispose();
    }
  }

  private frame(): void {
    const ale = this.ale!;
    const h = this.held;
    this.score += ale.act(joystickAction(h.up, h.down, h.left, h.right, h.fire));
    if (ale.gameOver()) {
      this.onStatus(`Game over: score ${this.score}. A new game starts.`);
      ale.reset();
      this.score = 0;
      this.episode++;
    }
    if (ale.frameNumber() % 30 === 0) this.status();
  }

  private status(): void {
    const a = this.ale;
    if (a) this.onStatus(`Playing game ${this.episode}: score ${this.score}, lives ${a.lives()}. Arrows/WASD move, Space fires, Esc stops.`);
  }

  private key(e: KeyboardEvent): void {
    if (e.code === 'Escape' && e.type === 'keydown') {
      this.stop();
      this.onStatus('Play stopped.');
      return;
    }
    const k = KEYS[e.code];
    if (!k) return;
    e.preventDefault(); // arrows and space must not scroll the page while playing
    this.held[k] = e.type === 'keydown';
  }

  get playing(): boolean {
    return this.ale !== null;
  }

  stop(): void {
    cancelAnimationFrame(this.raf);
    this.target.removeEventListener('keydown', this.onKey);
    this.target.removeEventListener('keyup', this.onKey);
    this.held = { up: false, down: false, left: false, right: false, fire: false };
    this.ale?.dispose();
    this.ale = null;
  }
}
