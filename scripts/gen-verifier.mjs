// Writes src/wire/verify.generated.ts: the TypeScript verifier specialised per table, straight-line
// checks in field order, so the hot path interprets no layout tables. It mirrors, check for check,
// the table-driven verifier in assembly/wire.ts; test/wire-fuzz.test.ts holds the two to the same
// verdict, reason, byte offset and field on every input.
import { FIELD_STRIDE, Flag, Kind } from './fbs-schema.mjs';

// Rejection codes, as VerifyError in src/wire/verifier-core.ts.
const E = {
  MISALIGNED: 4, OUT_OF_BOUNDS: 5, REQUIRED_FIELD_MISSING: 9, ENUM_OUT_OF_RANGE: 10, UNSPECIFIED_ENUM: 11,
  UNKNOWN_MESSAGE_TYPE: 12, UNION_MISMATCH: 13,
};

function field(layout, rec) {
  const f = layout.fields;
  const r = rec * FIELD_STRIDE;
  return {
    voff: f[r], kind: f[r + 1], size: f[r + 2], ref: f[r + 3], flags: f[r + 4], name: f[r + 5], dflt: f[r + 6],
    label: layout.fieldNames[f[r + 5]],
  };
}

const read = (size, at) =>
  size === 1 ? `u8[v.abs + ${at}]!` : size === 2 ? `dv.getUint16(v.base + ${at}, true)` : `dv.getUint32(v.base + ${at}, true)`;

function enumCheck(lines, indent, f, at, layout) {
  lines.push(`${indent}x = ${read(f.size, at)};`);
  lines.push(`${indent}if (x > ${layout.enumMax[f.ref]}) return v.fail(${E.ENUM_OUT_OF_RANGE}, ${at}, ${f.name});`);
  if (f.flags & Flag.SPECIFIED) lines.push(`${indent}if (x === 0) return v.fail(${E.UNSPECIFIED_ENUM}, ${at}, ${f.name});`);
}

function tableFunction(layout, t) {
  const first = layout.tableFields[2 * t];
  const count = layout.tableFields[2 * t + 1];
  const L = [];
  const name = layout.tableNames[t];
  L.push(`/** ${name} */`);
  L.push(`function verify${name}(v: VerifierCore, pos: number, depth: number): number {`);
  L.push('  const vt = v.tableHeader(pos, depth);');
  L.push('  if (vt < 0) return vt;');
  L.push('  const dv = v.dv;');
  L.push('  const u8 = v.u8;');
  L.push('  const vsize = v.vsize;');
  L.push('  const tsize = v.tsize;');
  L.push('  let fo = 0;');
  L.push('  let r = 0;');
  L.push('  let x = 0;');
  for (let k = 0; k < count; k++) {
    const f = field(layout, first + k);
    L.push(`  // ${f.label}`);
    L.push(`  fo = vsize > ${f.voff} ? dv.getUint16(v.base + vt + ${f.voff}, true) : 0;`);
    if (f.kind === Kind.UNION_TYPE) {
      L.push(`  if (fo !== 0 && fo + 1 > tsize) return v.fail(${E.OUT_OF_BOUNDS}, vt + ${f.voff}, ${f.name});`);
      L.push(`  const typeFo${f.voff} = fo;`);
      L.push(`  const tag${f.voff} = fo === 0 ? 0 : u8[v.abs + pos + fo]!;`);
      continue;
    }
    if (f.kind === Kind.UNION_VALUE) {
      const typeVoff = f.voff - 2;
      const start = layout.unionStart[f.ref];
      const members = layout.unionStart[f.ref + 1] - start;
      L.push(`  if (tag${typeVoff} >= ${members}) return v.fail(${E.UNKNOWN_MESSAGE_TYPE}, pos + typeFo${typeVoff}, ${f.name - 1});`);
      L.push(`  if (tag${typeVoff} === 0) {`);
      L.push(`    if (fo !== 0) return v.fail(${E.UNION_MISMATCH}, vt + ${f.voff}, ${f.name});`);
      if (f.flags & Flag.REQUIRED) L.push(`    return v.fail(${E.REQUIRED_FIELD_MISSING}, pos, ${f.name});`);
      L.push('  } else {');
      L.push(`    if (fo === 0) return v.fail(${E.UNION_MISMATCH}, vt + ${typeVoff}, ${f.name});`);
      L.push(`    if (fo + 4 > tsize) return v.fail(${E.OUT_OF_BOUNDS}, vt + ${f.voff}, ${f.name});`);
      L.push(`    r = v.offsetTarget(pos + fo, ${f.name});`);
      L.push('    if (r < 0) return r;');
      L.push(`    switch (tag${typeVoff}) {`);
      for (let tag = 1; tag < members; tag++) {
        L.push(`      case ${tag}: r = verify${layout.tableNames[layout.unionMembers[start + tag]]}(v, r, depth + 1); break;`);
      }
      L.push('    }');
      L.push('    if (r < 0) return r;');
      L.push('  }');
      continue;
    }
    // Absent field.
    const absent = [];
    if (f.flags & Flag.REQUIRED) absent.push(`return v.fail(${E.REQUIRED_FIELD_MISSING}, pos, ${f.name});`);
    else if ((f.flags & Flag.SPECIFIED) && f.dflt === 0) absent.push(`return v.fail(${E.UNSPECIFIED_ENUM}, pos, ${f.name});`);
    const inline = f.kind === Kind.SCALAR || f.kind === Kind.ENUM || f.kind === Kind.BOOL || f.kind === Kind.STRUCT ? f.size : 4;
    const align = f.kind === Kind.STRUCT ? f.ref : inline;
    const present = [];
    present.push(`if (fo + ${inline} > tsize) return v.fail(${E.OUT_OF_BOUNDS}, vt + ${f.voff}, ${f.name});`);
    if (align > 1) present.push(`if (((pos + fo) & ${align - 1}) !== 0) return v.fail(${E.MISALIGNED}, pos + fo, ${f.name});`);
    switch (f.kind) {
      case Kind.SCALAR:
      case Kind.BOOL:
      case Kind.STRUCT:
        break;
      case Kind.ENUM: {
        const sub = [];
        enumCheck(sub, '', f, 'pos + fo', layout);
        present.push(...sub);
        break;
      }
      case Kind.STRING:
        present.push(`r = v.offsetTarget(pos + fo, ${f.name});`, 'if (r < 0) return r;', `r = v.string(r, ${f.name});`, 'if (r < 0) return r;');
        break;
      case Kind.TABLE:
        present.push(`r = v.offsetTarget(pos + fo, ${f.name});`, 'if (r < 0) return r;', `r = verify${layout.tableNames[f.ref]}(v, r, depth + 1);`, 'if (r < 0) return r;');
        break;
      default: {
        const elem = f.kind === Kind.VEC_SCALAR || f.kind === Kind.VEC_ENUM || f.kind === Kind.VEC_STRUCT ? f.size : 4;
        const valign = f.kind === Kind.VEC_STRUCT ? f.ref : elem;
        present.push(`r = v.offsetTarget(pos + fo, ${f.name});`, 'if (r < 0) return r;');
        present.push(`x = v.vectorHeader(r, ${elem}, ${valign}, ${f.name});`, 'if (x < 0) return x;');
        if (f.kind === Kind.VEC_ENUM) {
          present.push(`for (let i = 0, n = x; i < n; i++) {`, `  const e = ${read(f.size, `r + 4 + i * ${elem}`)};`,
            `  if (e > ${layout.enumMax[f.ref]}) return v.fail(${E.ENUM_OUT_OF_RANGE}, r + 4 + i * ${elem}, ${f.name});`);
          if (f.flags & Flag.SPECIFIED) present.push(`  if (e === 0) return v.fail(${E.UNSPECIFIED_ENUM}, r + 4 + i * ${elem}, ${f.name});`);
          present.push('}');
        } else if (f.kind === Kind.VEC_STRING) {
          present.push(`for (let i = 0, n = x; i < n; i++) {`, `  const s = v.offsetTarget(r + 4 + i * 4, ${f.name});`, '  if (s < 0) return s;',
            `  const e = v.string(s, ${f.name});`, '  if (e < 0) return e;', '}');
        } else if (f.kind === Kind.VEC_TABLE) {
          present.push(`for (let i = 0, n = x; i < n; i++) {`, `  const s = v.offsetTarget(r + 4 + i * 4, ${f.name});`, '  if (s < 0) return s;',
            `  const e = verify${layout.tableNames[f.ref]}(v, s, depth + 1);`, '  if (e < 0) return e;', '}');
        }
      }
    }
    if (absent.length) {
      L.push(`  if (fo === 0) ${absent[0]}`);
      for (const p of present) L.push(`  ${p}`);
    } else {
      L.push('  if (fo !== 0) {');
      for (const p of present) L.push(`    ${p}`);
      L.push('  }');
    }
  }
  L.push('  return 0;');
  L.push('}');
  return L.join('\n');
}

export function tsVerifier(layout) {
  const out = [];
  out.push('// The TypeScript verifier, specialised per table from the schema by scripts/gen-verifier.mjs.');
  out.push('// Each function mirrors the table-driven verifier in assembly/wire.ts check for check.');
  out.push('/* eslint-disable */');
  out.push("import type { VerifierCore } from './verifier-core.js';");
  out.push('');
  out.push(`/** Verifies the root table (${layout.tableNames[layout.rootTable]}) at pos. */`);
  out.push(`export function verifyRoot(v: VerifierCore, pos: number): number {`);
  out.push(`  return verify${layout.tableNames[layout.rootTable]}(v, pos, 0);`);
  out.push('}');
  out.push('');
  for (let t = 0; t < layout.tableNames.length; t++) {
    out.push(tableFunction(layout, t));
    out.push('');
  }
  return out.join('\n');
}
