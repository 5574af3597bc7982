# modules_wanda: drawn by `gnuplot modules_wanda.gp` from modules_wanda.dat; edit freely and re-run.
# 6in x 4in, font 'Sans,10', PNG at 150 dpi.
set terminal pngcairo size 900,600 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083
set output 'modules_wanda.png'
set border lc rgb '#444444'
set grid lc rgb '#dddddd'
set logscale y
set title "Chain against up_proj alone (wanda)" noenhanced
set key below center horizontal maxcols 1 reverse Left nobox height 1
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "perplexity" noenhanced
set format x '%.0f%%'
plot 'modules_wanda.dat' index 0 using ($1*100):2 title "mlp.up_proj -> mlp.down_proj" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'modules_wanda.dat' index 1 using ($1*100):2 title "mlp.up_proj" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     10.4872595 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 432,288 enhanced font 'Sans,10' linewidth 1
set output 'modules_wanda.svg'
replot
unset output
