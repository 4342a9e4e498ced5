// RJSF's core theme draws array buttons as icon-font glyphs, which this page does not ship:
// they would be empty boxes with no accessible name. These say what they do.

function textButton(label) {
  return function TextButton({ id, className, onClick, disabled }) {
    return (
      <button type="button" id={id} className={className} onClick={onClick} disabled={disabled}>
        {label}
      </button>
    );
  };
}

export const ButtonTemplates = {
  AddButton: textButton("Add"),
  CopyButton: textButton("Copy"),
  MoveDownButton: textButton("Move down"),
  MoveUpButton: textButton("Move up"),
  RemoveButton: textButton("Remove"),
};
