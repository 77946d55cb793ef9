//! `#[ringbolt::main]` and `#[ringbolt::test]`: run an `async fn` on a new
//! ringbolt runtime.

use proc_macro::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ItemFn, Lit, Meta, Token};

/// Runs `async fn main` on a multi-threaded ringbolt runtime.
///
/// `#[ringbolt::main(worker_threads = 4)]` sets the number of workers.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, false)
}

/// Runs an `async fn` test on a new ringbolt runtime.
///
/// `#[ringbolt::test(worker_threads = 2)]` sets the number of workers.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, true)
}

fn expand(args: TokenStream, item: TokenStream, is_test: bool) -> TokenStream {
    match try_expand(args, item, is_test) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn try_expand(
    args: TokenStream,
    item: TokenStream,
    is_test: bool,
) -> syn::Result<proc_macro2::TokenStream> {
    let mut func: ItemFn = syn::parse(item)?;
    let attr = if is_test {
        "ringbolt::test"
    } else {
        "ringbolt::main"
    };
    if func.sig.asyncness.take().is_none() {
        return Err(syn::Error::new_spanned(
            func.sig.fn_token,
            format!("#[{attr}] needs an `async fn`"),
        ));
    }
    let mut workers = None;
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse(args)?;
    for meta in metas {
        match meta {
            Meta::NameValue(nv) if nv.path.is_ident("worker_threads") => match &nv.value {
                Expr::Lit(lit) => match &lit.lit {
                    Lit::Int(n) => workers = Some(n.base10_parse::<usize>()?),
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            "worker_threads takes an integer",
                        ))
                    }
                },
                other => {
                    return Err(syn::Error::new_spanned(
                        other,
                        "worker_threads takes an integer",
                    ))
                }
            },
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    format!(
                        "unknown option for #[{attr}]; the only option is `worker_threads = N`"
                    ),
                ))
            }
        }
    }
    let workers = workers.map(|n| quote!(.worker_threads(#n)));
    let body = &func.block;
    let ret = match &func.sig.output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => quote!(#ty),
    };
    func.block = syn::parse2(quote!({
        let body = async move #body;
        ::ringbolt::runtime::Builder::new()
            #workers
            .build()
            .expect("failed to start the ringbolt runtime")
            .block_on::<_>(body) as #ret
    }))?;
    let test_attr = is_test.then(|| quote!(#[::core::prelude::v1::test]));
    Ok(quote!(#test_attr #func))
}
