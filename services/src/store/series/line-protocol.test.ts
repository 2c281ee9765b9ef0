import { describe, expect, it } from 'vitest';
import { alertLine, angleLine, floatField, imuLine, line, stateLine, stringField, trendLine } from './line-protocol.js';

describe('line protocol', () => {
  it('writes an IMU sample with sorted tags, exact floats, integer seq/idx and ns time', () => {
    const text = imuLine({
      patient: 'p1',
      session: 's-1',
      role: 'thigh_left',
      tNs: 1_700_000_000_012_346_001n,
      seq: 4294967295,
      index: 7,
      gyr: [Math.fround(0.1), -0, 1e-7],
      acc: [0, 9.81, -1.5e300],
      mag: [25, -40.5, 3],
    });
    expect(text).toBe(
      'imu,patient=p1,role=thigh_left,session=s-1 ' +
        'gyr_x=0.10000000149011612,gyr_y=-0,gyr_z=1e-7,acc_x=0,acc_y=9.81,acc_z=-1.5e+300,' +
        'mag_x=25,mag_y=-40.5,mag_z=3,seq=4294967295i,idx=7i 1700000000012346001',
    );
  });

  it('leaves out an empty tag and escapes string fields', () => {
    expect(
      angleLine({
        patient: 'p',
        session: 's',
        side: 'left',
        exercise: '',
        tNs: 5n,
        flexion: 1.5,
        abduction: -2,
        rotation: 0,
      }),
    ).toBe('angles,patient=p,session=s,side=left flexion=1.5,abduction=-2,rotation=0 5');
    expect(stringField('a "b" \\c\nd')).toBe('"a \\"b\\" \\\\c\nd"');
    expect(alertLine({ patient: 'p', session: 's', code: 'x', level: 'info', message: 'say "hi"', tNs: 1n })).toBe(
      'alerts,code=x,patient=p,session=s level="info",message="say \\"hi\\"" 1',
    );
  });

  it('writes only the optional state fields that are present', () => {
    expect(stateLine({ patient: 'p', session: 's', tNs: 9n, state: 'ready' })).toBe(
      'session_state,patient=p,session=s state="ready" 9',
    );
    expect(stateLine({ patient: 'p', session: 's', tNs: 9n, state: 'in_set', set: 2, reps: 0, targetReps: 10 })).toBe(
      'session_state,patient=p,session=s state="in_set",set=2i,reps=0i,target_reps=10i 9',
    );
  });

  it('escapes tag values so a tag can never break a line', () => {
    expect(line('m', { k: 'a b,c=d\\e' }, [['v', '1']], 0n)).toBe('m,k=a\\ b\\,c\\=d\\\\e v=1 0');
  });

  it('writes the per-minute trend point', () => {
    expect(
      trendLine({
        patient: 'p',
        session: 's',
        side: 'right',
        exercise: 'glute_bridge',
        tNs: 60_000_000_000n,
        samples: 600,
        flexion: { min: -1, max: 30.25 },
        abduction: { min: 0, max: 2 },
        rotation: { min: -3, max: 3 },
      }),
    ).toBe(
      'angles_1m,exercise=glute_bridge,patient=p,session=s,side=right flexion_min=-1,flexion_max=30.25,' +
        'abduction_min=0,abduction_max=2,rotation_min=-3,rotation_max=3,samples=600i 60000000000',
    );
    expect(floatField(-0)).toBe('-0');
  });
});
