# modules_wanda: drawn by `gnuplot modules_wanda.gp` from modules_wanda.dat; edit freely and re-run.
set terminal pngcairo size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'modules_wanda.png'
set title "Chain against up_proj alone (wanda)" noenhanced
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "perplexity" noenhanced
set key outside right top box opaque
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
set logscale y
set format x '%.0f%%'
plot 'modules_wanda.dat' index 0 using ($1*100):2 title "mlp.up_proj -> mlp.down_proj" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'modules_wanda.dat' index 1 using ($1*100):2 title "mlp.up_proj" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     10.4872595 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'modules_wanda.svg'
replot
unset output
