import { describe, expect, it } from 'vitest';
import { joystickAction } from './play';

describe('joystickAction', () => {
  it('maps joystick states to ALE actions', () => {
    expect(joystickAction(false, false, false, false, false)).toBe(0); // NOOP
    expect(joystickAction(false, false, false, false, true)).toBe(1); // FIRE
    expect(joystickAction(true, false, false, false, false)).toBe(2); // UP
    expect(joystickAction(false, false, false, true, false)).toBe(3); // RIGHT
    expect(joystickAction(false, false, true, false, false)).toBe(4); // LEFT
    expect(joystickAction(false, true, false, false, false)).toBe(5); // DOWN
    expect(joystickAction(true, false, false, true, false)).toBe(6); // UPRIGHT
    expect(joystickAction(false, true, true, false, false)).toBe(9); // DOWNLEFT
    expect(joystickAction(false, false, true, false, true)).toBe(12); // LEFTFIRE
    expect(joystickAction(false, true, true, false, true)).toBe(17); // DOWNLEFTFIRE
  });
  it('opposite directions cancel', () => {
    expect(joystickAction(true, true, true, true, false)).toBe(0);
    expect(joystickAction(true, true, false, true, true)).toBe(11); // RIGHTFIRE
  });
});
