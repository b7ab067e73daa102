//! Ink metering as Nitro does it: every basic block of the program is charged, before it runs,
//! the ink of its operators plus a per-block header; `memory.copy` and `memory.fill` also pay
//! per byte. [`instrument`] rewrites a program so that it counts that ink itself, in an
//! exported `i64` global ([`INK_GLOBAL`]), and refuses operators Nitro refuses.
//!
//! Prices are Nitro's `pricing_v1` (`arbitrator/prover/src/programs/meter.rs`) with the block
//! header and per-byte prices of `arbitrator/prover/src/programs/config.rs` and `dynamic.rs`,
//! read at OffchainLabs/nitro v3.10 (unchanged at master 77eb073 for these files).
//!
//! Where this differs from Nitro: Nitro subtracts from an ink *budget* and traps when it runs
//! out; this meter only counts up (a run has no gas limit), so a program that would run out of
//! ink here finishes and reports what it would have needed.

use wasm_encoder::{
    reencode::{self, Reencode},
    ConstExpr, ExportKind, ExportSection, GlobalSection, GlobalType, Instruction, SectionId,
    ValType,
};
use wasmparser::{FunctionBody, Operator, Parser, Payload, TypeRef};

/// The exported global holding the ink a run has used.
pub const INK_GLOBAL: &str = "stylus_ink_used";

/// Ink charged per basic block on top of its operators (`config.rs`, `PricingParams`).
pub const BLOCK_HEADER_INK: u64 = 2450;

/// Ink per byte moved or filled by `memory.copy` / `memory.fill` (`dynamic.rs`).
pub const MEMORY_BYTE_INK: u64 = 100;

/// Why a program cannot be metered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeterError {
    /// The WASM does not parse or re-encode.
    Malformed(String),
    /// An operator Nitro refuses at activation (SIMD, atomics, references, …) or prices out of
    /// reach (floats: a block holding one runs out of ink when entered).
    Refused(String),
}

impl std::fmt::Display for MeterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(reason) => write!(f, "cannot meter the program: {reason}"),
            Self::Refused(op) => write!(f, "Nitro refuses the operator `{op}`"),
        }
    }
}

impl std::error::Error for MeterError {}

/// The ink of one operator under `pricing_v1`; `None` for operators Nitro refuses or prices at
/// `u64::MAX`.
pub fn operator_ink(op: &Operator<'_>) -> Option<u64> {
    use Operator as O;
    Some(match op {
        O::Unreachable | O::Return | O::Nop | O::Block { .. } | O::Loop { .. } => 1,
        O::Else | O::End => 1,
        O::I32Const { .. } | O::I64Const { .. } => 1,
        O::Drop => 9,
        O::Br { .. } | O::BrIf { .. } | O::If { .. } => 765,
        O::Select => 1250,
        O::Call { .. } => 3800,
        O::LocalGet { .. } | O::LocalTee { .. } => 75,
        O::LocalSet { .. } => 210,
        O::GlobalGet { .. } => 225,
        O::GlobalSet { .. } => 575,
        O::I32Load { .. }
        | O::I32Load8S { .. }
        | O::I32Load8U { .. }
        | O::I32Load16S { .. }
        | O::I32Load16U { .. } => 670,
        O::I64Load { .. }
        | O::I64Load8S { .. }
        | O::I64Load8U { .. }
        | O::I64Load16S { .. }
        | O::I64Load16U { .. }
        | O::I64Load32S { .. }
        | O::I64Load32U { .. } => 680,
        O::I32Store { .. } | O::I32Store8 { .. } | O::I32Store16 { .. } => 825,
        O::I64Store { .. } | O::I64Store8 { .. } | O::I64Store16 { .. } | O::I64Store32 { .. } => {
            950
        }
        O::MemorySize { .. } => 3000,
        O::MemoryGrow { .. } => 8050,
        O::I32Eqz
        | O::I32Eq
        | O::I32Ne
        | O::I32LtS
        | O::I32LtU
        | O::I32GtS
        | O::I32GtU
        | O::I32LeS
        | O::I32LeU
        | O::I32GeS
        | O::I32GeU => 170,
        O::I64Eqz
        | O::I64Eq
        | O::I64Ne
        | O::I64LtS
        | O::I64LtU
        | O::I64GtS
        | O::I64GtU
        | O::I64LeS
        | O::I64LeU
        | O::I64GeS
        | O::I64GeU => 225,
        O::I32Clz | O::I32Ctz | O::I64Clz | O::I64Ctz => 210,
        O::I32Popcnt => 2650,
        O::I64Popcnt => 6000,
        O::I32Add
        | O::I32Sub
        | O::I32And
        | O::I32Or
        | O::I32Xor
        | O::I32Shl
        | O::I32ShrS
        | O::I32ShrU
        | O::I32Rotl
        | O::I32Rotr => 70,
        O::I64Add
        | O::I64Sub
        | O::I64And
        | O::I64Or
        | O::I64Xor
        | O::I64Shl
        | O::I64ShrS
        | O::I64ShrU
        | O::I64Rotl
        | O::I64Rotr => 100,
        O::I32Mul | O::I64Mul => 160,
        O::I32DivS | O::I32DivU | O::I32RemS | O::I32RemU => 1120,
        O::I64DivS | O::I64DivU | O::I64RemS | O::I64RemU => 1270,
        O::I32WrapI64
        | O::I64ExtendI32S
        | O::I64ExtendI32U
        | O::I32Extend8S
        | O::I32Extend16S
        | O::I64Extend8S
        | O::I64Extend16S
        | O::I64Extend32S => 100,
        O::MemoryCopy { .. } | O::MemoryFill { .. } => 950,
        O::BrTable { targets } => 2400 + 325 * u64::from(targets.len()),
        // Priced per parameter of the callee's type; see `Instrumenter::call_indirect_ink`.
        O::CallIndirect { .. } => 13610,
        _ => return None,
    })
}

/// Whether `op` ends a basic block: the meter charges the block before it runs.
fn ends_block(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::End
            | Operator::Else
            | Operator::Return
            | Operator::Loop { .. }
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::If { .. }
            | Operator::Call { .. }
            | Operator::CallIndirect { .. }
    )
}

/// Rewrites `wasm` to count the ink it uses in the exported global [`INK_GLOBAL`].
///
/// # Errors
/// [`MeterError::Refused`] naming the first operator Nitro refuses; [`MeterError::Malformed`]
/// for WASM that does not parse.
pub fn instrument(wasm: &[u8]) -> Result<Vec<u8>, MeterError> {
    let mut instrumenter = Instrumenter::survey(wasm)?;
    let mut module = wasm_encoder::Module::new();
    instrumenter.parse_core_module(&mut module, Parser::new(0), wasm).map_err(
        |error| match error {
            reencode::Error::UserError(error) => error,
            other => MeterError::Malformed(other.to_string()),
        },
    )?;
    instrumenter.add_missing_sections(&mut module, None);
    Ok(module.finish())
}

/// The re-encoder that adds the meter, with what it needs to know about the module.
struct Instrumenter {
    /// Parameter counts of every type.
    type_params: Vec<u32>,
    /// Type of every defined function, in order.
    function_types: Vec<u32>,
    /// Index of the next defined function body.
    next_body: usize,
    imported_globals: u32,
    defined_globals: u32,
    globals_added: bool,
    export_added: bool,
}

fn malformed(error: impl std::fmt::Display) -> MeterError {
    MeterError::Malformed(error.to_string())
}

impl Instrumenter {
    /// Reads the types, imports, functions and globals the rewrite depends on.
    fn survey(wasm: &[u8]) -> Result<Self, MeterError> {
        let mut survey = Self {
            type_params: Vec::new(),
            function_types: Vec::new(),
            next_body: 0,
            imported_globals: 0,
            defined_globals: 0,
            globals_added: false,
            export_added: false,
        };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(malformed)? {
                Payload::TypeSection(types) => {
                    for ty in types.into_iter_err_on_gc_types() {
                        survey.type_params.push(ty.map_err(malformed)?.params().len() as u32);
                    }
                }
                Payload::ImportSection(imports) => {
                    for import in imports {
                        if let TypeRef::Global(_) = import.map_err(malformed)?.ty {
                            survey.imported_globals += 1;
                        }
                    }
                }
                Payload::FunctionSection(functions) => {
                    for ty in functions {
                        survey.function_types.push(ty.map_err(malformed)?);
                    }
                }
                Payload::GlobalSection(globals) => survey.defined_globals = globals.count(),
                _ => {}
            }
        }
        Ok(survey)
    }

    fn ink_global(&self) -> u32 {
        self.imported_globals + self.defined_globals
    }

    fn push_ink_global(&mut self, globals: &mut GlobalSection) {
        let ty = GlobalType { val_type: ValType::I64, mutable: true, shared: false };
        globals.global(ty, &ConstExpr::i64_const(0));
        self.globals_added = true;
    }

    /// Adds a global or export section the module lacks, once the position where it belongs
    /// is passed (`next` is the section about to be written; `None` at the end).
    fn add_missing_sections(&mut self, module: &mut wasm_encoder::Module, next: Option<SectionId>) {
        let past = |section: SectionId| next.is_none_or(|next| order(next) > order(section));
        if !self.globals_added && past(SectionId::Global) {
            let mut globals = GlobalSection::new();
            self.push_ink_global(&mut globals);
            module.section(&globals);
        }
        if !self.export_added && past(SectionId::Export) {
            let mut exports = ExportSection::new();
            exports.export(INK_GLOBAL, ExportKind::Global, self.ink_global());
            self.export_added = true;
            module.section(&exports);
        }
    }

    /// `memory.copy` / `memory.fill` with the length on top of the stack: charge it per byte.
    fn charge_bytes(&self, body: &mut Vec<Instruction<'_>>, scratch: u32) {
        let ink = self.ink_global();
        body.extend([
            Instruction::LocalTee(scratch),
            Instruction::I64ExtendI32U,
            Instruction::I64Const(MEMORY_BYTE_INK as i64),
            Instruction::I64Mul,
            Instruction::GlobalGet(ink),
            Instruction::I64Add,
            Instruction::GlobalSet(ink),
            Instruction::LocalGet(scratch),
        ]);
    }

    fn call_indirect_ink(&self, type_index: u32) -> u64 {
        let params = self.type_params.get(type_index as usize).copied().unwrap_or(0);
        650 * u64::from(params)
    }
}

/// The position of a section in a module's binary order.
fn order(section: SectionId) -> u8 {
    match section {
        SectionId::Custom => 0,
        SectionId::Type => 1,
        SectionId::Import => 2,
        SectionId::Function => 3,
        SectionId::Table => 4,
        SectionId::Memory => 5,
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
    }
}

impl Reencode for Instrumenter {
    type Error = MeterError;

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), reencode::Error<MeterError>> {
        self.add_missing_sections(module, before);
        Ok(())
    }

    fn parse_global_section(
        &mut self,
        globals: &mut GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), reencode::Error<MeterError>> {
        reencode::utils::parse_global_section(self, globals, section)?;
        self.push_ink_global(globals);
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), reencode::Error<MeterError>> {
        reencode::utils::parse_export_section(self, exports, section)?;
        exports.export(INK_GLOBAL, ExportKind::Global, self.ink_global());
        self.export_added = true;
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        body: FunctionBody<'_>,
    ) -> Result<(), reencode::Error<MeterError>> {
        let ty = self.function_types.get(self.next_body).copied().unwrap_or(0);
        self.next_body += 1;
        let mut locals = Vec::new();
        let mut scratch = self.type_params.get(ty as usize).copied().unwrap_or(0);
        for pair in body.get_locals_reader()? {
            let (count, ty) = pair?;
            scratch += count;
            locals.push((count, self.val_type(ty)?));
        }
        // One spare i32 local holds a `memory.copy`/`memory.fill` length while it is charged.
        locals.push((1, ValType::I32));
        let mut function = wasm_encoder::Function::new(locals);

        let ink = self.ink_global();
        let mut block: Vec<Instruction<'_>> = Vec::new();
        let mut block_ink = BLOCK_HEADER_INK;
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            let mut cost = operator_ink(&op).ok_or_else(|| {
                reencode::Error::UserError(MeterError::Refused(format!("{op:?}")))
            })?;
            if let Operator::CallIndirect { type_index, .. } = op {
                cost += self.call_indirect_ink(type_index);
            }
            if matches!(op, Operator::MemoryCopy { .. } | Operator::MemoryFill { .. }) {
                self.charge_bytes(&mut block, scratch);
            }
            block_ink += cost;
            let ends = ends_block(&op);
            block.push(self.instruction(op)?);
            if ends {
                // Charged up front, as Nitro does: the whole block or nothing.
                for instruction in [
                    Instruction::GlobalGet(ink),
                    Instruction::I64Const(block_ink as i64),
                    Instruction::I64Add,
                    Instruction::GlobalSet(ink),
                ]
                .iter()
                .chain(&block)
                {
                    function.instruction(instruction);
                }
                block.clear();
                block_ink = BLOCK_HEADER_INK;
            }
        }
        code.function(&function);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, Function, FunctionSection, MemorySection, MemoryType, Module, TypeSection,
    };

    /// A module exporting `run: () -> ()` with `body`, and one page of memory.
    fn module(body: &[Instruction<'_>]) -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([], []);
        let mut functions = FunctionSection::new();
        functions.function(0);
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        let mut exports = ExportSection::new();
        exports.export("run", ExportKind::Func, 0);
        let mut function = Function::new([]);
        for instruction in body {
            function.instruction(instruction);
        }
        let mut code = CodeSection::new();
        code.function(&function);
        let mut module = Module::new();
        module.section(&types).section(&functions).section(&memories).section(&exports);
        module.section(&code);
        module.finish()
    }

    /// Runs `run` of the instrumented `wasm`; the ink it counted.
    fn ink_of(wasm: &[u8]) -> u64 {
        let engine = wasmi::Engine::default();
        let module = wasmi::Module::new(&engine, instrument(wasm).unwrap()).unwrap();
        let mut store = wasmi::Store::new(&engine, ());
        let instance =
            wasmi::Linker::new(&engine).instantiate_and_start(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<(), ()>(&store, "run").unwrap();
        run.call(&mut store, ()).unwrap();
        let ink = instance.get_global(&store, INK_GLOBAL).unwrap().get(&store);
        ink.i64().unwrap() as u64
    }

    #[test]
    fn a_straight_block_costs_its_operators_and_one_header() {
        let body = [
            Instruction::I32Const(1),
            Instruction::I32Const(2),
            Instruction::I32Add,
            Instruction::Drop,
            Instruction::End,
        ];
        assert_eq!(ink_of(&module(&body)), BLOCK_HEADER_INK + 1 + 1 + 70 + 9 + 1);
    }

    #[test]
    fn a_loop_pays_its_blocks_once_per_iteration() {
        // Three iterations of a counter kept in memory word 0.
        let body = [
            Instruction::Loop(wasm_encoder::BlockType::Empty),
            Instruction::I32Const(0),
            Instruction::I32Const(0),
            Instruction::I32Load(wasm_encoder::MemArg { offset: 0, align: 2, memory_index: 0 }),
            Instruction::I32Const(1),
            Instruction::I32Add,
            Instruction::I32Store(wasm_encoder::MemArg { offset: 0, align: 2, memory_index: 0 }),
            Instruction::I32Const(0),
            Instruction::I32Load(wasm_encoder::MemArg { offset: 0, align: 2, memory_index: 0 }),
            Instruction::I32Const(3),
            Instruction::I32LtU,
            Instruction::BrIf(0),
            Instruction::End,
            Instruction::End,
        ];
        // Entry block: `loop`. Body block: up to `br_if`, run 3 times. Then `end`, `end`.
        let entry = BLOCK_HEADER_INK + 1;
        let body_block = BLOCK_HEADER_INK + 1 + 1 + 670 + 1 + 70 + 825 + 1 + 670 + 1 + 170 + 765;
        let exit = 2 * (BLOCK_HEADER_INK + 1);
        assert_eq!(ink_of(&module(&body)), entry + 3 * body_block + exit);
    }

    #[test]
    fn memory_fill_pays_per_byte() {
        let fill = |bytes: i32| {
            [
                Instruction::I32Const(0),
                Instruction::I32Const(0xff),
                Instruction::I32Const(bytes),
                Instruction::MemoryFill(0),
                Instruction::End,
            ]
        };
        let base = BLOCK_HEADER_INK + 1 + 1 + 1 + 950 + 1;
        assert_eq!(ink_of(&module(&fill(0))), base);
        assert_eq!(ink_of(&module(&fill(64))), base + 64 * MEMORY_BYTE_INK);
    }

    #[test]
    fn operators_nitro_refuses_are_refused() {
        let body = [Instruction::F32Const(1.0), Instruction::Drop, Instruction::End];
        assert!(
            matches!(instrument(&module(&body)), Err(MeterError::Refused(op)) if op.contains("F32Const"))
        );
    }
}
