//! Export surgery and dead-function elimination on a WebAssembly module.
//!
//! After the snapshot, some exports of the plain module have done their work (the pre-initialiser,
//! which Wizer already removes) or must go (`release_policy_load_disabled`, or the loader itself
//! with `--no-load`). A function no export, start function, table element or reachable call names
//! is dead: this pass drops it and renumbers the rest, so that the loader's code, once nothing
//! calls it, leaves the module. A function in the table (address-taken: trait-object methods,
//! function pointers) is live once a live function makes an indirect call of its signature:
//! `call_indirect` traps on any other, so no other call can reach it. Until then its table slot
//! keeps a stub of the same signature whose body is `unreachable`: the same trap, in four bytes.
//!
//! A snapshot stores memory as one data segment per non-zero run; runs closer than [`DATA_GAP`]
//! bytes are merged here (zeros compress to nothing, a segment header does not).

use std::collections::{HashMap, VecDeque};

use wasm_encoder::reencode::{self, Reencode};
use wasmparser::{ElementItems, ExternalKind, Operator, Parser, Payload};

/// Data segments closer than this are merged into one.
const DATA_GAP: usize = 16;

/// What to do to the exports.
#[derive(Clone, Debug, Default)]
pub struct Exports<'a> {
    /// Exports to remove.
    pub remove: &'a [&'a str],
    /// `(name, source)`: export `name` now names the function exported as `source`, and `source`
    /// is no longer exported.
    pub retarget: &'a [(&'a str, &'a str)],
}

/// `wasm` with its exports changed as `exports` says and every unreachable function removed. A name
/// section keeps the names of the functions that remain.
pub fn prune(wasm: &[u8], exports: &Exports) -> Result<Vec<u8>, String> {
    let graph = Graph::read(wasm).map_err(|e| format!("cannot read the module: {e}"))?;
    let kept_exports = graph.exports_after(exports)?;
    let mut fate = graph.live(&kept_exports);
    for &function in &graph.table {
        if let Some(f @ Fate::Dead) = fate.get_mut(function as usize) {
            *f = Fate::Stub;
        }
    }
    let mut map = vec![None; fate.len()];
    let mut next = 0u32;
    for (index, fate) in fate.iter().enumerate() {
        if *fate != Fate::Dead {
            map[index] = Some(next);
            next += 1;
        }
    }
    let data = merged_data(wasm).map_err(|e| format!("cannot read the module's data: {e}"))?;
    let mut pruner = Pruner { map, fate, imported: graph.imported, exports: kept_exports, data };
    let mut module = wasm_encoder::Module::new();
    pruner.parse_core_module(&mut module, Parser::new(0), wasm).map_err(|e| format!("cannot rewrite the module: {e}"))?;
    Ok(module.finish())
}

/// An export: its name, kind and index (in the input's index spaces).
type Export = (String, ExternalKind, u32);

/// What becomes of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Live,
    /// In a table, but never called: its body becomes `unreachable`.
    Stub,
    Dead,
}

/// The module's call graph and roots, in its function index space (imports first).
struct Graph {
    imported: u32,
    /// Per type index, the first type index with the same signature (signatures compare by
    /// structure).
    signature: Vec<u32>,
    /// Per function, its signature.
    function_signature: Vec<u32>,
    /// Per function, the functions it calls or takes the address of (`call`, `return_call`,
    /// `ref.func`); empty for imports.
    calls: Vec<Vec<u32>>,
    /// Per function, the signatures it calls indirectly.
    indirect_calls: Vec<Vec<u32>>,
    exports: Vec<Export>,
    /// The start function and functions named in global initialisers.
    roots: Vec<u32>,
    /// The functions in tables.
    table: Vec<u32>,
}

impl Graph {
    fn read(wasm: &[u8]) -> Result<Graph, wasmparser::BinaryReaderError> {
        let mut graph = Graph {
            imported: 0,
            signature: Vec::new(),
            function_signature: Vec::new(),
            calls: Vec::new(),
            indirect_calls: Vec::new(),
            exports: Vec::new(),
            roots: Vec::new(),
            table: Vec::new(),
        };
        let mut types: Vec<wasmparser::SubType> = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::TypeSection(section) => {
                    for group in section {
                        for ty in group?.into_types() {
                            let first = types.iter().position(|t| *t == ty).unwrap_or(types.len());
                            graph.signature.push(first as u32);
                            types.push(ty);
                        }
                    }
                }
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        if let wasmparser::TypeRef::Func(ty) | wasmparser::TypeRef::FuncExact(ty) = import?.ty {
                            graph.imported += 1;
                            graph.function_signature.push(graph.signature_of(ty));
                            graph.calls.push(Vec::new());
                            graph.indirect_calls.push(Vec::new());
                        }
                    }
                }
                Payload::FunctionSection(section) => {
                    for ty in section {
                        let signature = graph.signature_of(ty?);
                        graph.function_signature.push(signature);
                    }
                }
                Payload::ExportSection(section) => {
                    for export in section {
                        let export = export?;
                        graph.exports.push((export.name.to_owned(), export.kind, export.index));
                    }
                }
                Payload::StartSection { func, .. } => graph.roots.push(func),
                Payload::ElementSection(section) => {
                    for element in section {
                        match element?.items {
                            ElementItems::Functions(functions) => {
                                for function in functions {
                                    graph.table.push(function?);
                                }
                            }
                            ElementItems::Expressions(_, expressions) => {
                                for expression in expressions {
                                    referenced(expression?.get_operators_reader(), &mut graph.table, &mut Vec::new())?;
                                }
                            }
                        }
                    }
                }
                Payload::GlobalSection(section) => {
                    for global in section {
                        referenced(global?.init_expr.get_operators_reader(), &mut graph.roots, &mut Vec::new())?;
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let (mut calls, mut indirect) = (Vec::new(), Vec::new());
                    referenced(body.get_operators_reader()?, &mut calls, &mut indirect)?;
                    graph.calls.push(calls);
                    graph.indirect_calls.push(indirect.into_iter().map(|ty| graph.signature_of(ty)).collect());
                }
                _ => {}
            }
        }
        Ok(graph)
    }

    /// The exports once `surgery` is applied.
    fn exports_after(&self, surgery: &Exports) -> Result<Vec<Export>, String> {
        let function = |name: &str| {
            self.exports
                .iter()
                .find(|(n, kind, _)| n == name && *kind == ExternalKind::Func)
                .map(|(_, _, index)| *index)
                .ok_or_else(|| format!("the module exports no function `{name}`"))
        };
        let mut out = Vec::with_capacity(self.exports.len());
        for (name, kind, index) in &self.exports {
            if surgery.remove.contains(&name.as_str()) || surgery.retarget.iter().any(|(_, source)| source == name) {
                continue;
            }
            match surgery.retarget.iter().find(|(target, _)| target == name) {
                Some((_, source)) => out.push((name.clone(), *kind, function(source)?)),
                None => out.push((name.clone(), *kind, *index)),
            }
        }
        Ok(out)
    }

    /// The signature of type index `ty` (itself when out of range: the validator refuses those).
    fn signature_of(&self, ty: u32) -> u32 {
        self.signature.get(ty as usize).copied().unwrap_or(ty)
    }

    /// Which functions are reachable from the roots and `exports` (live); imports always are.
    fn live(&self, exports: &[Export]) -> Vec<Fate> {
        let mut live = vec![Fate::Dead; self.calls.len()];
        let mut table_by_signature: HashMap<u32, Vec<u32>> = HashMap::new();
        for &function in &self.table {
            let signature = self.function_signature.get(function as usize).copied().unwrap_or(u32::MAX);
            table_by_signature.entry(signature).or_default().push(function);
        }
        let exported = exports.iter().filter(|(_, kind, _)| *kind == ExternalKind::Func).map(|(_, _, index)| *index);
        let mut queue: VecDeque<u32> = (0..self.imported).chain(exported).chain(self.roots.iter().copied()).collect();
        while let Some(function) = queue.pop_front() {
            let Some(slot) = live.get_mut(function as usize) else { continue };
            if *slot == Fate::Dead {
                *slot = Fate::Live;
                queue.extend(self.calls[function as usize].iter().copied());
                for signature in &self.indirect_calls[function as usize] {
                    // The first indirect call of a signature makes its table functions live.
                    queue.extend(table_by_signature.remove(signature).unwrap_or_default());
                }
            }
        }
        live
    }
}

/// Appends the functions `ops` calls or takes the address of, and the types it calls indirectly.
fn referenced(
    mut ops: wasmparser::OperatorsReader,
    out: &mut Vec<u32>,
    indirect: &mut Vec<u32>,
) -> Result<(), wasmparser::BinaryReaderError> {
    while !ops.eof() {
        match ops.read()? {
            Operator::Call { function_index } | Operator::ReturnCall { function_index } | Operator::RefFunc { function_index } => {
                out.push(function_index)
            }
            Operator::CallIndirect { type_index, .. } | Operator::ReturnCallIndirect { type_index, .. } => indirect.push(type_index),
            _ => {}
        }
    }
    Ok(())
}

/// Re-encodes the module with the dead functions left out and the rest renumbered.
struct Pruner {
    /// Old function index → new one, `None` for a dead function.
    map: Vec<Option<u32>>,
    fate: Vec<Fate>,
    imported: u32,
    exports: Vec<Export>,
    /// The data segments, merged (`None`: kept as they are).
    data: Option<MergedData>,
}

/// A module's data segments re-cut: the passive ones as they were, then memory 0's active ones with
/// gaps shorter than [`DATA_GAP`] filled with zeros.
struct MergedData {
    passive: Vec<Vec<u8>>,
    active: Vec<(u32, Vec<u8>)>,
}

/// The module's data segments merged, when they can be without renumbering a passive segment: all
/// passive segments come first, every active one is in memory 0 at a constant offset.
fn merged_data(wasm: &[u8]) -> Result<Option<MergedData>, wasmparser::BinaryReaderError> {
    let mut passive = Vec::new();
    let mut active: Vec<(u32, &[u8])> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Payload::DataSection(section) = payload? else { continue };
        for data in section {
            let data = data?;
            match data.kind {
                wasmparser::DataKind::Passive if active.is_empty() => passive.push(data.data.to_vec()),
                wasmparser::DataKind::Active { memory_index: 0, offset_expr } => {
                    let mut ops = offset_expr.get_operators_reader();
                    match (ops.read()?, ops.read()?) {
                        (Operator::I32Const { value }, Operator::End) => active.push((value as u32, data.data)),
                        _ => return Ok(None),
                    }
                }
                _ => return Ok(None),
            }
        }
    }
    active.sort_by_key(|(offset, _)| *offset);
    let mut merged: Vec<(u32, Vec<u8>)> = Vec::new();
    for (offset, bytes) in active {
        match merged.last_mut() {
            Some((start, run))
                if (offset as usize) >= *start as usize + run.len() && (offset as usize) - (*start as usize + run.len()) < DATA_GAP =>
            {
                run.resize(offset as usize - *start as usize, 0);
                run.extend_from_slice(bytes);
            }
            Some((start, run)) if (offset as usize) < *start as usize + run.len() => return Ok(None), // overlapping: keep as is
            _ => merged.push((offset, bytes.to_vec())),
        }
    }
    Ok(Some(MergedData { passive, active: merged }))
}

impl Reencode for Pruner {
    type Error = String;

    fn data_count(&mut self, count: u32) -> Result<u32, reencode::Error<String>> {
        Ok(self.data.as_ref().map_or(count, |d| (d.passive.len() + d.active.len()) as u32))
    }

    fn parse_data_section(
        &mut self,
        data: &mut wasm_encoder::DataSection,
        section: wasmparser::DataSectionReader<'_>,
    ) -> Result<(), reencode::Error<String>> {
        let Some(merged) = self.data.take() else { return reencode::utils::parse_data_section(self, data, section) };
        for bytes in merged.passive {
            data.passive(bytes);
        }
        for (offset, bytes) in merged.active {
            data.active(0, &wasm_encoder::ConstExpr::i32_const(offset as i32), bytes);
        }
        Ok(())
    }

    fn function_index(&mut self, func: u32) -> Result<u32, reencode::Error<String>> {
        self.map
            .get(func as usize)
            .copied()
            .flatten()
            .ok_or_else(|| reencode::Error::UserError(format!("function {func} is dead but referenced")))
    }

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), reencode::Error<String>> {
        for (i, ty) in section.into_iter().enumerate() {
            let ty = ty?;
            if self.is_live(i) {
                functions.function(self.type_index(ty)?);
            }
        }
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), reencode::Error<String>> {
        for (i, body) in section.into_iter().enumerate() {
            let body = body?;
            match self.fate.get(self.imported as usize + i) {
                Some(Fate::Live) => self.parse_function_body(code, body)?,
                Some(Fate::Stub) => {
                    let mut stub = wasm_encoder::Function::new([]);
                    stub.instruction(&wasm_encoder::Instruction::Unreachable).instruction(&wasm_encoder::Instruction::End);
                    code.function(&stub);
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        _section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), reencode::Error<String>> {
        for (name, kind, index) in std::mem::take(&mut self.exports) {
            exports.export(&name, self.export_kind(kind)?, self.external_index(kind, index)?);
        }
        Ok(())
    }

    fn parse_custom_name_subsection(
        &mut self,
        names: &mut wasm_encoder::NameSection,
        section: wasmparser::Name<'_>,
    ) -> Result<(), reencode::Error<String>> {
        match section {
            wasmparser::Name::Function(map) => {
                let mut kept = wasm_encoder::NameMap::new();
                for naming in map {
                    let naming = naming?;
                    if let Some(Some(index)) = self.map.get(naming.index as usize) {
                        kept.append(*index, naming.name);
                    }
                }
                names.functions(&kept);
            }
            // Per-function local and label names: not worth renumbering.
            wasmparser::Name::Local(_) | wasmparser::Name::Label(_) => {}
            other => reencode::utils::parse_custom_name_subsection(self, names, other)?,
        }
        Ok(())
    }
}

impl Pruner {
    /// Whether the `i`-th defined (not imported) function lives on.
    fn is_live(&self, i: usize) -> bool {
        self.map.get(self.imported as usize + i).is_some_and(Option::is_some)
    }
}
