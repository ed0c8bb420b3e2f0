// A parser for the subset of the FlatBuffers schema language that src/wire/tickwave.fbs uses, and
// the flat layout tables both verifiers (TypeScript and AssemblyScript) walk. flatc stays the
// authority on encoding; test/wire-layout.test.ts checks these tables against flatc's accessors.
//
// Layout encoding (all Int32):
//   TABLE_FIELDS[2t], TABLE_FIELDS[2t+1]  first field record and field count of table t
//   FIELDS: records of FIELD_STRIDE ints: voffset, kind, size, ref, flags, name index, default
//     (flags: REQUIRED 1, SPECIFIED 2 = enum value 0 is rejected, SIGNED 4 = signed integer)
//   ENUM_MAX[e]                           largest value of enum e (values run 0..max)
//   UNION_START[u]..UNION_START[u+1]      UNION_MEMBERS slice of union u: table id per tag (-1 for NONE)

export const FIELD_STRIDE = 7;
export const Kind = {
  SCALAR: 1, ENUM: 2, BOOL: 3, STRING: 4, TABLE: 5, STRUCT: 6,
  VEC_SCALAR: 7, VEC_STRING: 8, VEC_TABLE: 9, VEC_STRUCT: 10,
  UNION_TYPE: 11, UNION_VALUE: 12, VEC_ENUM: 13,
};
export const Flag = { REQUIRED: 1, SPECIFIED: 2, SIGNED: 4 };
const SIGNED = new Set(['byte', 'int8', 'short', 'int16', 'int', 'int32', 'long', 'int64']);

const SCALARS = {
  bool: 1, byte: 1, ubyte: 1, int8: 1, uint8: 1, short: 2, ushort: 2, int16: 2, uint16: 2,
  int: 4, uint: 4, int32: 4, uint32: 4, float: 4, float32: 4,
  long: 8, ulong: 8, int64: 8, uint64: 8, double: 8, float64: 8,
};

function tokenize(src) {
  const tokens = [];
  const re = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|("(?:[^"\\]|\\.)*")|(-?[0-9][0-9a-fA-FxX.]*)|([A-Za-z_][A-Za-z0-9_.]*)|([{}()[\]:;=,])/y;
  let m;
  while (re.lastIndex < src.length) {
    const at = re.lastIndex;
    if (!(m = re.exec(src))) throw new Error(`fbs: unexpected character at ${at}: ${JSON.stringify(src.slice(at, at + 20))}`);
    if (m[1]) tokens.push({ t: 'str', v: JSON.parse(m[1]) });
    else if (m[2]) tokens.push({ t: 'num', v: m[2] });
    else if (m[3]) tokens.push({ t: 'id', v: m[3] });
    else if (m[4]) tokens.push({ t: 'p', v: m[4] });
  }
  return tokens;
}

/** Parses the schema into { enums, unions, tables, structs, rootType, fileIdentifier }. */
export function parseSchema(src) {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const expect = (v) => {
    const tok = next();
    if (!tok || tok.v !== v) throw new Error(`fbs: expected "${v}", found ${tok ? JSON.stringify(tok.v) : 'end of file'}`);
    return tok;
  };
  const ident = () => {
    const tok = next();
    if (!tok || tok.t !== 'id') throw new Error(`fbs: expected a name, found ${tok ? JSON.stringify(tok.v) : 'end of file'}`);
    return tok.v;
  };
  const attributes = () => {
    const attrs = {};
    if (peek()?.v !== '(') return attrs;
    next();
    while (peek().v !== ')') {
      const name = ident();
      attrs[name] = true;
      if (peek().v === ':') { next(); attrs[name] = next().v; }
      if (peek().v === ',') next();
    }
    next();
    return attrs;
  };
  const schema = { enums: [], unions: [], tables: [], structs: [], rootType: null, fileIdentifier: null, attributes: [] };
  while (i < toks.length) {
    const kw = ident();
    if (kw === 'namespace') { ident(); expect(';'); }
    else if (kw === 'attribute') { schema.attributes.push(next().v); expect(';'); }
    else if (kw === 'file_identifier') { schema.fileIdentifier = next().v; expect(';'); }
    else if (kw === 'file_extension') { next(); expect(';'); }
    else if (kw === 'root_type') { schema.rootType = ident(); expect(';'); }
    else if (kw === 'enum') {
      const name = ident();
      expect(':');
      const type = ident();
      attributes();
      expect('{');
      const values = [];
      let value = 0;
      while (peek().v !== '}') {
        const vname = ident();
        if (peek().v === '=') { next(); value = Number(next().v); }
        values.push({ name: vname, value });
        value += 1;
        if (peek().v === ',') next();
      }
      next();
      schema.enums.push({ name, type, values });
    } else if (kw === 'union') {
      const name = ident();
      attributes();
      expect('{');
      const members = [];
      while (peek().v !== '}') {
        members.push(ident());
        if (peek().v === ',') next();
      }
      next();
      schema.unions.push({ name, members });
    } else if (kw === 'table' || kw === 'struct') {
      const name = ident();
      attributes();
      expect('{');
      const fields = [];
      while (peek().v !== '}') {
        const fname = ident();
        expect(':');
        let type;
        let vector = false;
        if (peek().v === '[') { next(); type = ident(); expect(']'); vector = true; }
        else type = ident();
        let dflt = null;
        if (peek().v === '=') { next(); dflt = next().v; }
        const attrs = attributes();
        expect(';');
        fields.push({ name: fname, type, vector, default: dflt, attrs });
      }
      next();
      (kw === 'table' ? schema.tables : schema.structs).push({ name, fields });
    } else {
      throw new Error(`fbs: unsupported declaration "${kw}"`);
    }
  }
  return schema;
}

function structLayout(schema, name) {
  const s = schema.structs.find((x) => x.name === name);
  let off = 0;
  let align = 1;
  const fields = [];
  for (const f of s.fields) {
    const size = SCALARS[f.type] ?? SCALARS[schema.enums.find((e) => e.name === f.type)?.type];
    if (!size) throw new Error(`fbs: struct ${name}.${f.name}: only scalar fields are supported`);
    off = Math.ceil(off / size) * size;
    fields.push([f.name, off]);
    off += size;
    align = Math.max(align, size);
  }
  return { fields, size: Math.ceil(off / align) * align, align };
}

/** The flat layout tables (see the header comment) plus names for messages and generated constants. */
export function layoutOf(schema) {
  const tableIds = new Map(schema.tables.map((t, id) => [t.name, id]));
  const enumIds = new Map(schema.enums.map((e, id) => [e.name, id]));
  const unionIds = new Map(schema.unions.map((u, id) => [u.name, id]));
  const enumMax = schema.enums.map((e) => {
    e.values.forEach((v, k) => {
      if (v.value !== k) throw new Error(`fbs: enum ${e.name} must run 0, 1, 2, ... (the verifiers check a range)`);
    });
    return e.values.length - 1;
  });
  const tableFields = [];
  const fields = [];
  const fieldNames = [];
  const tables = [];
  for (const t of schema.tables) {
    tableFields.push(fields.length / FIELD_STRIDE, 0);
    const described = [];
    let slot = 0;
    const push = (name, kind, size, ref, flags, dflt) => {
      const voffset = 4 + 2 * slot++;
      fieldNames.push(`${t.name}.${name}`);
      fields.push(voffset, kind, size, ref, flags, fieldNames.length - 1, dflt);
      described.push({ name, voffset });
    };
    const flagsOf = {};
    for (const f of t.fields) {
      if (f.attrs.deprecated) throw new Error('fbs: deprecated fields are not supported');
      const required = f.attrs.required ? Flag.REQUIRED : 0;
      const dflt = f.default === null ? 0 : f.default === 'true' ? 1 : f.default === 'false' ? 0 : Number(f.default);
      if (!Number.isInteger(dflt) || dflt !== (dflt | 0)) throw new Error(`fbs: ${t.name}.${f.name}: default must be a 32-bit integer`);
      if (unionIds.has(f.type)) {
        if (f.vector) throw new Error('fbs: vectors of unions are not supported');
        push(`${f.name}_type`, Kind.UNION_TYPE, 1, unionIds.get(f.type), required, 0);
        push(f.name, Kind.UNION_VALUE, 4, unionIds.get(f.type), required, 0);
      } else if (enumIds.has(f.type)) {
        const e = schema.enums[enumIds.get(f.type)];
        const specified = e.values[0].name === 'UNSPECIFIED' && !f.attrs.unspecified_ok ? Flag.SPECIFIED : 0;
        push(f.name, f.vector ? Kind.VEC_ENUM : Kind.ENUM, SCALARS[e.type], enumIds.get(f.type), specified | required, dflt);
      } else if (f.type === 'string') {
        push(f.name, f.vector ? Kind.VEC_STRING : Kind.STRING, 4, 0, required, 0);
      } else if (tableIds.has(f.type)) {
        push(f.name, f.vector ? Kind.VEC_TABLE : Kind.TABLE, 4, tableIds.get(f.type), required, 0);
      } else if (schema.structs.some((s) => s.name === f.type)) {
        const sl = structLayout(schema, f.type);
        push(f.name, f.vector ? Kind.VEC_STRUCT : Kind.STRUCT, sl.size, sl.align, required, 0);
      } else if (SCALARS[f.type]) {
        if (/^(float|double)/.test(f.type)) throw new Error(`fbs: ${t.name}.${f.name}: floats are not allowed on the wire; use fixed point`);
        if (SIGNED.has(f.type)) flagsOf[f.name] = Flag.SIGNED;
        const kind = f.type === 'bool' ? Kind.BOOL : Kind.SCALAR;
        push(f.name, f.vector ? Kind.VEC_SCALAR : kind, SCALARS[f.type], 0, required | (flagsOf[f.name] ?? 0), dflt);
      } else {
        throw new Error(`fbs: ${t.name}.${f.name}: unknown type ${f.type}`);
      }
    }
    tableFields[tableFields.length - 1] = described.length;
    tables.push({ name: t.name, fields: described });
  }
  const unionStart = [];
  const unionMembers = [];
  for (const u of schema.unions) {
    unionStart.push(unionMembers.length);
    unionMembers.push(-1, ...u.members.map((m) => {
      if (!tableIds.has(m)) throw new Error(`fbs: union ${u.name}: ${m} is not a table`);
      return tableIds.get(m);
    }));
  }
  unionStart.push(unionMembers.length);
  const root = schema.tables.find((t) => t.name === schema.rootType);
  const bodyField = root.fields.find((f) => unionIds.has(f.type));
  const body = schema.unions[unionIds.get(bodyField.type)];
  const id = schema.fileIdentifier;
  if (!id || id.length !== 4) throw new Error('fbs: file_identifier must be 4 characters');
  return {
    fileIdentifier: id,
    fileIdentifierU32: [...id].reduce((acc, ch, k) => acc + ch.charCodeAt(0) * 2 ** (8 * k), 0),
    rootTable: tableIds.get(schema.rootType),
    tableNames: schema.tables.map((t) => t.name),
    enumNames: schema.enums.map((e) => e.name),
    fieldNames,
    tableFields,
    fields,
    enumMax,
    unionStart,
    unionMembers,
    tables,
    bodyTags: body.members.map((m, k) => [m, k + 1]),
    frameHeader: structLayout(schema, 'FrameHeader'),
  };
}
